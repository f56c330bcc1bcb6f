// The signing lives in src/ because `dispatchd replay` signs stored payloads the same way.
export { signedRequest, type SignOptions } from '../../src/scm/sign-request.js';
