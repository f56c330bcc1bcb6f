/**
 * Text that may leave the process in public (commit statuses of public repositories, SCM
 * messages quoted in them): no URLs (configured hosts, API endpoints), git remotes, addresses or
 * the hosts named by network errors. One place, so statuses and quoted SCM answers scrub alike.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)\]]+/gi;
const SCP_REMOTE = /\b[\w.-]+@[\w.-]+:[\w./~-]+/g;
/** Node's network errors name the host or address they tried: `getaddrinfo ENOTFOUND gitlab.corp`. */
const NET_ERROR_TARGET =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|CERT_[A-Z_]+|ERR_TLS_[A-Z_]+)\b[:\s]+(?!<)[^\s;,)]+/g;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;

/**
 * `text` scrubbed, on one line, at most `max` characters (an ellipsis marks a cut). `hostMark`
 * stands where a network error named its target (after the error code).
 */
export function publicText(text: string, max: number, hostMark = ' <host>'): string {
  const clean = text
    .replace(URL_IN_TEXT, '<url>')
    .replace(SCP_REMOTE, '<remote>')
    .replace(NET_ERROR_TARGET, `$1${hostMark}`)
    .replace(IPV4, '<address>')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}
