/** One call to an emulator's API with the token dispatchd uses, failing the test on a non-2xx answer. */
export async function apiCall(url: string, token: string, method: string, body?: object): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}
