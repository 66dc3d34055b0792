/**
 * Certificates made at test time with openssl: a throw-away root CA and leaf
 * certificates it signs, written to a scratch folder (nothing is committed).
 * The CLI trusts the root only through NODE_EXTRA_CA_CERTS, as a user behind
 * a TLS-inspecting proxy would.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Leaf {
  key: string;
  cert: string;
}

export interface TestCa {
  /** Path of the root certificate (PEM), for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** A key and certificate signed by the root for these names (DNS names or IP addresses). */
  issue(names: readonly string[]): Leaf;
}

export function createTestCa(dir: string): TestCa {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caFile,
    '-days', '2', '-subj', '/CN=robofy test root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  let serial = 0;
  return {
    caFile,
    issue(names) {
      const base = join(dir, `leaf-${++serial}`);
      const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`]);
      writeFileSync(`${base}.ext`, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-out', `${base}.pem`, '-extfile', `${base}.ext`]);
      return { key: readFileSync(`${base}.key`, 'utf8'), cert: readFileSync(`${base}.pem`, 'utf8') };
    },
  };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
