/** How git reaches a repository: a URL with no secret in it, plus headers carrying the credential. */
export interface GitRemote {
  url: string;
  /** Sent as `http.extraHeader` through the environment, never on the command line. */
  headers: Record<string, string>;
}
