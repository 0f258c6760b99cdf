// The TLS listener's key and certificate: TLS_CERT/TLS_KEY when given, else a self-signed development
// certificate for localhost and 127.0.0.1, created once and cached under CERT_DIR (gitignored).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { TlsFiles } from './app.js';

export async function loadTlsFiles(options: {
  cert: string | null;
  key: string | null;
  certDir: string;
}): Promise<TlsFiles & { generated: boolean; path: string }> {
  if (options.cert && options.key) {
    return {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      generated: false,
      path: options.cert,
    };
  }
  const certPath = join(options.certDir, 'dev-cert.pem');
  const keyPath = join(options.certDir, 'dev-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath), key: readFileSync(keyPath), generated: false, path: certPath };
  }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  mkdirSync(options.certDir, { recursive: true });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, generated: true, path: certPath };
}
