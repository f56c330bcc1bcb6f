export { parseImageRef, formatImageRef, registryApiHost, type ImageRef } from './image-ref.js';
export type { RegistryCredentials } from './credentials.js';
export { createDigestResolver, type DigestResolver, type DigestResolverOptions, type WaitInfo } from './resolver.js';
