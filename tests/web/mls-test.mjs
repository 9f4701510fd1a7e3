// Debian's Chromium (headless) as a member of the GStreamer endpoint's MLS group
// (examples/web, gst-e2ee-web.py --keys mls; the page's member is ts-mls):
//   (a) after the page joined from the endpoint's Welcome, both show the same security
//       code (docs/mls.md's function: the page's with WebCrypto over ts-mls's epoch
//       authenticator, the endpoint's from libgste2ee) and both use the KIDs of RFC 9605
//       §5.2 (E = 4, S = 1 for two members, context 0 video, 1 audio);
//   (b) the endpoint commits an update: the page applies the commit, shows the new code,
//       equal to the endpoint's and different from the first, and both sides move to the
//       new epoch's KIDs;
//   (c) across both epochs each side decrypts every frame the other sent, byte-identical,
//       none dropped, frames under both epochs' KIDs (the checks of browser-test.mjs);
//   (d) with the media stopped, the endpoint commits updates up to epoch 16, the page
//       follows each (the same code at 16), and the update to epoch 17, which would give
//       the endpoint's e2eeenc (driven by key-id) epoch 1's KIDs with new keys, is refused.
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

await runWithEndpoint(null, ['--keys', 'mls'], async (context, base) => {
  const call = await join(context, base, 'keys=mls&name=browser&trace=1', 'mls');
  const first = await checkEpoch(base, call, 1, 'a');
  await sendEnough(base, call, true);

  const before = await Promise.all([call.page.evaluate(() => window.e2ee.stats()), endpointStats(base, call.id)]);
  const r = await fetch(`${base}session/${call.id}/update`, { method: 'POST', body: '{}' });
  const reply = await r.json();
  check(r.ok && reply.epoch === 2, '(b) the endpoint committed an update', JSON.stringify(reply));
  const second = await checkEpoch(base, call, 2, 'b');
  check(second !== first, '(b) the code changed with the epoch');
  await sendMore(base, call, {
    page: { video: before[0].worker.send.video.encrypted, audio: before[0].worker.send.audio.encrypted },
    gst: { video: before[1].send.video.encrypted, audio: before[1].send.audio.encrypted },
  });
  const done = await finish(base, call);

  const update = () => fetch(`${base}session/${call.id}/update`, { method: 'POST', body: '{}' })
    .then(async (res) => ({ ok: res.ok, body: await res.json() }));
  let last = null;
  for (let e = 3; e <= 16; e++) last = await update();
  check(last.ok && last.body.epoch === 16, '(d) the endpoint committed updates up to epoch 16', JSON.stringify(last));
  await checkEpoch(base, call, 16, 'd');
  last = await update();
  check(!last.ok && /cannot follow more than 15 epoch changes/.test(last.body.error),
    '(d) the update to epoch 17 is refused', JSON.stringify(last));
  check((await endpointStats(base, call.id)).mls.epoch === 16, '(d) the group stayed at epoch 16');
  await hangUp(base, call);
  console.log(`call done (${elapsed()})`);

  checkGood(done);
  const w = done.page.worker;
  for (const k of ['video', 'audio']) {
    const [k1, k2] = [kids(0, 1)[k], kids(0, 2)[k]];
    const [p1, p2] = [kids(1, 1)[k], kids(1, 2)[k]];
    console.log(`(c) ${k}: the page decrypted ${JSON.stringify(w.recv[k].byKid)} (held ${w.recv[k].held}), ` +
      `encrypted ${JSON.stringify(w.send[k].byKid)}`);
    check(w.recv[k].byKid[k1] > 0 && w.recv[k].byKid[k2] > 0 &&
      w.recv[k].byKid[k1] + w.recv[k].byKid[k2] === w.recv[k].decrypted,
    `(c) the page decrypted the endpoint's ${k} under both epochs' KIDs (${k1}, ${k2}) and no other`);
    check(w.send[k].byKid[p1] > 0 && w.send[k].byKid[p2] > 0 &&
      w.send[k].byKid[p1] + w.send[k].byKid[p2] === w.send[k].encrypted,
    `(c) the page encrypted its ${k} under both epochs' KIDs (${p1}, ${p2}), all decrypted by e2eedec`);
  }
});
