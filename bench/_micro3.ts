import { generateKeyPairSync, sign, verify, createPublicKey } from 'node:crypto';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const body = Buffer.from('x'.repeat(400));
const sig = sign('sha256', body, privateKey);
const key = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
for (const n of [10, 50, 200]) {
  let done = 0; const t0 = performance.now(); let callT = 0;
  await new Promise<void>((res) => {
    for (let i = 0; i < n; i++) { const a = performance.now(); verify('sha256', body, key, sig, () => { if (++done === n) res(); }); callT += performance.now() - a; }
  });
  console.log(n, 'call µs', (callT * 1000 / n).toFixed(1), 'total µs/verify', ((performance.now() - t0) * 1000 / n).toFixed(1));
}
const a = performance.now(); for (let i = 0; i < 2000; i++) verify('sha256', body, key, sig); console.log('sync µs', ((performance.now() - a) * 1000 / 2000).toFixed(1));
