import type { PullRequest } from '../contracts.js';

/** The fields of a Bitbucket Cloud `pullrequest` object that dispatchd reads. */
export interface CloudPull {
  id: number;
  title: string;
  description?: string | null;
  state: 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
  source: { branch: { name: string } };
  destination: { branch: { name: string } };
  links: { html: { href: string } };
}

export function toPullRequest(p: CloudPull): PullRequest {
  return {
    number: p.id,
    url: p.links.html.href,
    head: p.source.branch.name,
    base: p.destination.branch.name,
    state: p.state === 'OPEN' ? 'open' : p.state === 'MERGED' ? 'merged' : 'closed',
    title: p.title,
    body: p.description ?? '',
  };
}

/** A BBQL string literal: double quotes, with `"` and `\` escaped. */
export function bbqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
