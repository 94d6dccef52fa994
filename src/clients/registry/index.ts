/**
 * The OCI Distribution pull client: registry API (client.ts), authentication (auth.ts,
 * challenge.ts, credentials.ts), transport rules (endpoint.ts) and HTTP (http.ts).
 */
export { Authenticator, pullScope } from './auth.ts';
export { type Challenge, parseWwwAuthenticate } from './challenge.ts';
export {
  type BlobOptions,
  MANIFEST_ACCEPT,
  type ManifestHead,
  type ManifestResponse,
  type PingResult,
  RegistryClient,
  type RegistryClientOptions,
} from './client.ts';
export {
  type CredentialLookup,
  type CredentialLookupOptions,
  type RegistryCredentials,
  authFilePaths,
  findCredentials,
  lookupInAuthDocument,
  normalizeAuthKey,
  parseCreds,
} from './credentials.ts';
export { DOCKER_HUB_API_HOST, canonicalRegistryDomain, checkTransport, isLoopbackHost, registryApiHost } from './endpoint.ts';
export { DEFAULT_HTTP_OPTIONS, type FetchFunction, HttpClient, type HttpOptions, type OciErrorEntry, RegistryHttpError, parseOciErrors } from './http.ts';
