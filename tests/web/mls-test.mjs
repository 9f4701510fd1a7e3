// Debian's Chromium (headless) as a member of the GStreamer endpoint's MLS group
// (examples/web, gst-e2ee-web.py --keys mls; the page's member is ts-mls):
//   (a) after the page joined from the endpoint's Welcome, both show the same security
//       code (docs/mls.md's function: the page's with WebCrypto over ts-mls's epoch
//       authenticator, the endpoint's from libgste2ee) and both use the KIDs of RFC 9605
//       §5.2 (E = 4, S = 1 for two members, context 0 video, 1 audio);
//   (b) while media flows both ways, the endpoint commits an update at a time, 17 in
//       all: the page applies each commit, both sides show the same code at every epoch
//       (a new one each time) and move to its KIDs, past epoch 16, where the KIDs of
//       epoch 1 come back with new keys;
//   (c) over the whole call each side decrypts every frame the other sent, byte-identical,
//       none dropped (the checks of browser-test.mjs), the page's under the KIDs of every
//       epoch and no other.
// SPDX-License-Identifier: LGPL-2.1-or-later

import {
  TARGET, check, checkGood, elapsed, endpointStats, finish, hangUp, join, runWithEndpoint,
  sendEnough, sleep,
} from './harness.mjs';

const CODE = /^[0-9]{5}( [0-9]{5}){7}$/;
// The page is leaf 1, the endpoint leaf 0; S = 1, E = 4: KID = (context << 5) +
// (leaf << 4) + (epoch mod 16).
const kids = (leaf, epoch) => ({
  video: String((leaf << 4) + (epoch % 16)),
  audio: String((1 << 5) + (leaf << 4) + (epoch % 16)),
});
const pageState = (call) => call.page.evaluate(() => window.e2ee.state());

// Both sides at @epoch: the same code, the KIDs of the formula.
async function checkEpoch (base, call, epoch, label) {
  const deadline = Date.now() + 15000;
  let st = await pageState(call);
  while ((!st.mls || st.mls.epoch < epoch) && Date.now() < deadline) {
    await sleep(100);
    st = await pageState(call);
  }
  const gst = (await endpointStats(base, call.id)).mls;
  console.log(`(${label}) epoch ${epoch}: page ${JSON.stringify(st.mls)}; endpoint ${JSON.stringify(gst)}`);
  check(st.mls && st.mls.epoch === epoch && gst.epoch === epoch, `(${label}) page and endpoint are at epoch ${epoch}`,
    `page ${st.mls && st.mls.epoch}, endpoint ${gst.epoch}`);
  check(CODE.test(gst.securityCode), `(${label}) the endpoint's code has 8 groups of 5 digits`, gst.securityCode);
  check(st.mls && st.mls.securityCode === gst.securityCode, `(${label}) page and endpoint show the same security code`,
    `${st.mls && st.mls.securityCode} / ${gst.securityCode}`);
  check(JSON.stringify(gst.kids) === JSON.stringify(kids(0, epoch)), `(${label}) the endpoint's KIDs are RFC 9605 §5.2's`,
    JSON.stringify(gst.kids));
  check(st.mls && JSON.stringify(st.mls.sendKids) === JSON.stringify(kids(1, epoch)),
    `(${label}) the page's KIDs are RFC 9605 §5.2's`, JSON.stringify(st.mls && st.mls.sendKids));
  check(st.mls && JSON.stringify(st.mls.recvKids) === JSON.stringify([kids(0, epoch)]),
    `(${label}) the page decrypts the endpoint's KIDs`, JSON.stringify(st.mls && st.mls.recvKids));
  check(JSON.stringify(gst.members) === '["gstreamer","browser"]', `(${label}) the group's members`, JSON.stringify(gst.members));
  return gst.securityCode;
}

// Until both sides sent TARGET more frames of each kind than in @from.
async function sendMore (base, call, from) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const [page, gst] = await Promise.all([call.page.evaluate(() => window.e2ee.stats()), endpointStats(base, call.id)]);
    const w = page.worker;
    if (['video', 'audio'].every((k) => gst.send[k].encrypted - from.gst[k] >= TARGET[k] &&
        w.send[k].encrypted - from.page[k] >= TARGET[k])) return;
    await sleep(250);
  }
  console.log('(b) not enough frames after the epoch change in 60 s; checking what came');
}

// The last epoch: 17 changes, one past the return of epoch 1's KIDs (epoch 17).
const LAST = 18;

await runWithEndpoint(null, ['--keys', 'mls'], async (context, base) => {
  const call = await join(context, base, 'keys=mls&name=browser&trace=1', 'mls');
  const codes = [await checkEpoch(base, call, 1, 'a')];
  await sendEnough(base, call, true);

  // One commit at a time, the next once the page has applied it: the worker holds the
  // endpoint's frames of the next epoch only.
  const update = () => fetch(`${base}session/${call.id}/update`, { method: 'POST', body: '{}' })
    .then(async (res) => ({ ok: res.ok, body: await res.json() }));
  for (let e = 2; e <= LAST; e++) {
    const r = await update();
    check(r.ok && r.body.epoch === e, `(b) the endpoint committed an update to epoch ${e}`, JSON.stringify(r));
    codes.push(await checkEpoch(base, call, e, 'b'));
    await sleep(300);
  }
  check(new Set(codes).size === codes.length, `(b) each of the ${codes.length} epochs had its own code`);
  const before = await Promise.all([call.page.evaluate(() => window.e2ee.stats()), endpointStats(base, call.id)]);
  await sendMore(base, call, {
    page: { video: before[0].worker.send.video.encrypted, audio: before[0].worker.send.audio.encrypted },
    gst: { video: before[1].send.video.encrypted, audio: before[1].send.audio.encrypted },
  });
  const done = await finish(base, call);
  await hangUp(base, call);
  console.log(`call done (${elapsed()})`);

  checkGood(done);
  const w = done.page.worker;
  const all = (leaf, k) => new Set(Array.from({ length: LAST }, (_, i) => kids(leaf, i + 1)[k]));
  for (const k of ['video', 'audio']) {
    console.log(`(c) ${k}: the page decrypted ${JSON.stringify(w.recv[k].byKid)} (held ${w.recv[k].held}), ` +
      `encrypted ${JSON.stringify(w.send[k].byKid)}`);
    const [got, sent] = [w.recv[k].byKid, w.send[k].byKid];
    const [first, last] = [kids(0, 1)[k], kids(0, LAST)[k]];
    check(Object.keys(got).every((kid) => all(0, k).has(kid)) && got[first] > 0 && got[last] > 0,
      `(c) the page decrypted the endpoint's ${k} under its KIDs of the first and the last epoch, no other`);
    check(Object.keys(sent).every((kid) => all(1, k).has(kid)) && sent[kids(1, 1)[k]] > 0 &&
      sent[kids(1, LAST)[k]] > 0,
    `(c) the page encrypted its ${k} under its KIDs of the first and the last epoch, no other`);
  }
});
