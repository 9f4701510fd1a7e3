// The page's SFrame code (examples/web/sframe.mjs) under node's WebCrypto:
//   1. the RFC 9605 test vectors (Appendix C: headers, AES-CTR-HMAC AEAD, all five suites);
//   2. the examples of docs/layout.md;
//   3. against e2eeenc and e2eedec, byte-exact, both directions, on vp8enc and opusenc
//      frames: what e2eeenc makes equals what the JS makes for the same key, KID and CTR,
//      the JS decrypts it, and e2eedec decrypts what the JS makes (a frame whose clear
//      bytes were changed is refused by both).
// SPDX-License-Identifier: LGPL-2.1-or-later

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.GST_E2EE_SOURCE_ROOT || path.resolve(HERE, '../..');
const S = await import(path.join(ROOT, 'examples/web/sframe.mjs'));
const { hexToBytes: h, bytesToHex: hex } = S;
const T0 = Date.now();

let failures = 0;
let passed = 0;
function check (ok, what) {
  if (ok) { passed++; return; }
  failures++;
  console.log(`FAIL ${what}`);
}
// A decrypted frame, or null (and a reason in the failure message) when it is refused.
async function decrypts (keyFor, codec, frame, what) {
  try {
    return await S.decryptFrame(keyFor, codec, frame);
  } catch (e) {
    console.log(`     ${what}: refused (${e.reason || e})`);
    return { frame: new Uint8Array(0), kid: -1n, ctr: -1n };
  }
}
async function refuses (promise, reason) {
  try {
    await promise;
    return false;
  } catch (e) {
    return e.reason === reason;
  }
}

// ---- 1. RFC 9605 vectors ------------------------------------------------------

// kid and ctr go up to 2^64 - 1, beyond a double: read them as strings.
const vectorsFile = path.join(process.env.GST_E2EE_TEST_VECTORS || path.join(ROOT, 'tests/vectors'), 'rfc9605-test-vectors.json');
const V = JSON.parse(fs.readFileSync(vectorsFile, 'utf8').replace(/"(kid|ctr)":\s*(\d+)/g, '"$1":"$2"'));

for (const t of V.header) {
  const enc = hex(S.encodeHeader(BigInt(t.kid), BigInt(t.ctr)));
  const p = S.parseHeader(h(t.encoded));
  check(enc === t.encoded, `header encode kid=${t.kid} ctr=${t.ctr}: ${enc}`);
  check(p.kid === BigInt(t.kid) && p.ctr === BigInt(t.ctr) && p.size === t.encoded.length / 2,
    `header parse ${t.encoded}`);
}
check(await refuses(Promise.resolve().then(() => S.parseHeader(h('0807'))), 'malformed-header'),
  'a non-minimal CTR (7 in one extra byte) is refused');
check(await refuses(Promise.resolve().then(() => S.parseHeader(h('8800'))), 'malformed-header'),
  'a truncated header is refused');

for (const t of V.aes_ctr_hmac) {
  const key = await S.importAeadKey(t.cipher_suite, h(t.key));
  const ct = await S.aeadEncrypt(t.cipher_suite, key, h(t.nonce), h(t.aad), h(t.pt));
  check(hex(ct) === t.ct, `C.2 suite ${t.cipher_suite}: AEAD encrypt`);
  const pt = await S.aeadDecrypt(t.cipher_suite, key, h(t.nonce), h(t.aad), h(t.ct));
  check(hex(pt) === t.pt, `C.2 suite ${t.cipher_suite}: AEAD decrypt`);
}

for (const t of V.sframe) {
  const kid = BigInt(t.kid);
  const ctr = BigInt(t.ctr);
  const key = await S.deriveKey(t.cipher_suite, kid, h(t.base_key), { exposeRaw: true });
  check(hex(key.raw) === t.sframe_key, `C.3 suite ${t.cipher_suite}: sframe_key`);
  check(hex(key.salt) === t.sframe_salt, `C.3 suite ${t.cipher_suite}: sframe_salt`);
  check(hex(S.nonceFor(key.salt, ctr)) === t.nonce, `C.3 suite ${t.cipher_suite}: nonce`);
  const ct = await S.sframeEncrypt(key, ctr, h(t.metadata), h(t.pt));
  check(hex(ct) === t.ct, `C.3 suite ${t.cipher_suite}: ciphertext`);
  // The whole-frame layout with this metadata is the RFC's decryption.
  const hdr = S.parseHeader(h(t.ct));
  const aad = h(t.aad);
  check(hex(aad.subarray(0, hdr.size)) === hex(h(t.ct).subarray(0, hdr.size)), `C.3 suite ${t.cipher_suite}: AAD starts with the header`);
  const pt = await S.aeadDecrypt(t.cipher_suite, key, h(t.nonce), aad, h(t.ct).subarray(hdr.size));
  check(hex(pt) === t.pt, `C.3 suite ${t.cipher_suite}: decrypt`);
  const bad = h(t.ct);
  bad[bad.length - 1] ^= 1;
  check(await refuses(S.aeadDecrypt(t.cipher_suite, key, h(t.nonce), aad, bad.subarray(hdr.size)), 'authentication'),
    `C.3 suite ${t.cipher_suite}: a changed tag is refused`);
}

// ---- 2. docs/layout.md examples (suite 4, KID 5, CTR 0, base key 00..0f) ----

const docKey = await S.deriveKey(4, 5n, h('000102030405060708090a0b0c0d0e0f'));
const docExamples = [
  ['vp8', '5042009d012aa000780011223344', '5042009d012aa000780050eb0361c5a7b3218497549cc43cd84e784dfe44d3'],
  ['vp8', '310100aabb', '31010050509a37752427c28e78fd279576d1d8c8ed77'],
  ['opus', 'fcfffe0102', 'fc5005df5383b22a727261fbdd50401d527e76013311'],
];
for (const [codec, input, output] of docExamples) {
  const want = output.replace(/ /g, '');
  const got = hex(await S.encryptFrame(docKey, 0n, codec, h(input)));
  check(got === want, `docs/layout.md ${codec} example ${input}: ${got}`);
  const back = await decrypts(() => docKey, codec, h(want), `docs/layout.md ${codec}`);
  check(hex(back.frame) === input && back.kid === 5n && back.ctr === 0n, `docs/layout.md ${codec} example decrypts`);
}
for (const [codec, frame] of [['vp8', '5042009d012aa00078'], ['vp8', '5042009d012ba0007800'], ['vp8', '3101'], ['opus', '']]) {
  check(await refuses(S.encryptFrame(docKey, 0n, codec, h(frame)), 'malformed-frame'), `${codec} frame ${frame} is refused`);
}

// ---- 3. Against e2eeenc and e2eedec ------------------------------------------

function gst (mode, jobs) {
  const r = spawnSync('/usr/bin/python3', [path.join(HERE, 'e2ee-frames.py'), mode], {
    input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`e2ee-frames.py ${mode} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const base = hex(crypto.getRandomValues(new Uint8Array(32)));
const jobs = [];
for (const suite of [1, 2, 3, 4, 5]) {
  for (const codec of ['vp8', 'opus']) jobs.push({ suite, codec, layout: 'codec' });
}
jobs.push({ suite: 4, codec: 'vp8', layout: 'frame' }, { suite: 5, codec: 'opus', layout: 'frame' });
// KIDs of every header size: in the config byte, 1 byte, 5 bytes, 8 bytes.
const kids = [3n, 200n, (1n << 38n) + 5n, (1n << 64n) - 2n];
jobs.forEach((j, i) => Object.assign(j, { kid: String(kids[i % kids.length]), key: base }));

const encrypted = gst('encrypt', jobs);
const decryptJobs = [];
let frames = 0;
for (const [i, job] of jobs.entries()) {
  const r = encrypted[i];
  const what = `suite ${job.suite} ${job.codec} layout=${job.layout} KID ${job.kid}`;
  const codec = job.layout === 'codec' ? job.codec : 'none';
  const kid = BigInt(job.kid);
  const key = await S.deriveKey(job.suite, kid, h(base));
  check(r.plain.length >= 20 && r.frames.every((f) => f !== null) && r.stats.frames === r.plain.length,
    `${what}: e2eeenc encrypted all ${r.plain.length} frames`);
  for (const [n, p] of r.plain.entries()) {
    frames++;
    const js = hex(await S.encryptFrame(key, BigInt(n), codec, h(p)));
    check(js === r.frames[n], `${what}: frame ${n}: e2eeenc and the JS encrypt to the same bytes`);
    const back = await decrypts((k) => (k === kid ? key : null), codec, h(r.frames[n]), `${what} frame ${n}`);
    check(hex(back.frame) === p && back.ctr === BigInt(n), `${what}: frame ${n}: the JS decrypts e2eeenc's frame`);
  }
  // The other way: the JS encrypts under another KID, e2eedec decrypts. One more frame
  // has a clear byte changed (the VP8 size, the Opus TOC; the SFrame header for the
  // whole-frame layout): both implementations must refuse it.
  const kid2 = kid ^ 1n;
  const key2 = await S.deriveKey(job.suite, kid2, h(base));
  const mine = [];
  for (const [n, p] of r.plain.entries()) mine.push(hex(await S.encryptFrame(key2, BigInt(n), codec, h(p))));
  const tampered = await S.encryptFrame(key2, BigInt(r.plain.length), codec, h(r.plain[0]));
  tampered[codec === 'none' ? tampered.length - 1 : 0] ^= codec === 'vp8' ? 0x20 : 0x01;
  check(await refuses(S.decryptFrame(() => key2, codec, tampered), 'authentication'), `${what}: the JS refuses a changed clear byte`);
  mine.push(hex(tampered));
  decryptJobs.push({ ...job, kid: String(kid2), frames: mine });
}

const decrypted = gst('decrypt', decryptJobs);
for (const [i, job] of decryptJobs.entries()) {
  const r = decrypted[i];
  const plain = encrypted[i].plain;
  const what = `suite ${job.suite} ${job.codec} layout=${job.layout} KID ${job.kid}`;
  const n = plain.length;
  check(r.stats.frames === n, `${what}: e2eedec decrypted ${r.stats.frames} of the JS's ${n} frames`);
  check(plain.every((p, j) => r.frames[j] === p), `${what}: e2eedec's output equals the plaintext`);
  check(r.frames[n] === null && r.stats['dropped-authentication'] === 1 && r.stats.dropped === 1,
    `${what}: e2eedec refused the changed frame (dropped ${r.stats.dropped})`);
}

console.log(`sframe: ${V.header.length} header vectors, ${V.aes_ctr_hmac.length} AEAD vectors, ` +
  `${V.sframe.length} SFrame vectors, ${docExamples.length} docs/layout.md examples, ` +
  `${jobs.length} e2eeenc/e2eedec configurations (${frames} real frames each way)`);
console.log(`${failures === 0 ? 'PASS' : 'FAIL'}: ${passed} checks passed, ${failures} failed, ` +
  `${((Date.now() - T0) / 1000).toFixed(1)} s`);
process.exit(failures === 0 ? 0 : 1);
