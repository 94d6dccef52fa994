/**
 * @peculiar/x509 set up once: it needs reflect-metadata loaded before it (its ASN.1 schemas use
 * decorators) and a WebCrypto provider (FIELD-NOTES, Sigstore). Every CA module imports x509 from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// node:crypto's webcrypto is the WebCrypto API x509 expects; the types differ only in DOM lib details.
x509.cryptoProvider.set(webcrypto);

export { x509 };

/** PEM of one certificate, with a trailing newline. */
export function certPem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n`;
}
