// Seeds for the MLS fuzz targets (tests/fuzz/fuzz-mls-*.c) made by ts-mls, the
// independent implementation: its KeyPackages (with GREASE values), Welcomes (with and
// without the ratchet_tree extension), GroupInfos and handshake and application
// messages, in each target's input format. scripts/fuzz.sh runs it at every run:
//
//   node tests/interop/mls/tsmls-fuzz-seeds.mjs OUTDIR    -> OUTDIR/mls-*/
//
// Messages of a ts-mls group are not messages of the fuzz targets' own group: they
// exercise decoding and the checks before the keys (group, epoch, sender), and what
// the fuzzer makes of them.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createApplicationMessage, createCommit, createGroup, createProposal, joinGroup,
  getCiphersuiteImpl, getCiphersuiteFromName, defaultCapabilities, defaultLifetime,
  emptyPskIndex, generateKeyPackage, encodeMlsMessage,
} from "ts-mls";
import { encodeRatchetTree } from "ts-mls/ratchetTree.js";
import { createGroupInfo, createGroupInfoWithRatchetTree } from "ts-mls/createCommit.js";

const out = process.argv[2];
if (out === undefined) {
  console.error("usage: tsmls-fuzz-seeds.mjs OUTDIR");
  process.exit(2);
}
const impl = await getCiphersuiteImpl(
  getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"));
const text = (s) => new TextEncoder().encode(s);
const mls = (content) => encodeMlsMessage({ version: "mls10", ...content });

function write(target, bytes) {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, createHash("sha1").update(bytes).digest("hex")), bytes);
}

// fuzz-mls.h's records: a 2-byte big-endian length, then the bytes.
function records(...msgs) {
  return Buffer.concat(msgs.flatMap((m) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(m.length);
    return [len, Buffer.from(m)];
  }));
}

const kp = (id) => generateKeyPackage({ credentialType: "basic", identity: text(id) },
  defaultCapabilities(), defaultLifetime, [], impl);

const a = await kp("ts-a");
const b = await kp("ts-b");
const c = await kp("ts-c");
for (const k of [a, b, c])
  write("mls-key-package", mls({ wireformat: "mls_key_package", keyPackage: k.publicPackage }));

let sa = await createGroup(text("ts-mls fuzz seeds"), a.publicPackage, a.privatePackage, [],
  impl);
let r = await createCommit({ state: sa, cipherSuite: impl }, {
  extraProposals: [{ proposalType: "add", add: { keyPackage: b.publicPackage } }],
});
sa = r.newState;
const welcomeB = mls({ wireformat: "mls_welcome", welcome: r.welcome });
write("mls-welcome", records(welcomeB, encodeRatchetTree(sa.ratchetTree)));
let sb = await joinGroup(r.welcome, b.publicPackage, b.privatePackage, emptyPskIndex, impl,
  sa.ratchetTree);

r = await createCommit({ state: sa, cipherSuite: impl }, {
  extraProposals: [{ proposalType: "add", add: { keyPackage: c.publicPackage } }],
  ratchetTreeExtension: true,
  wireAsPublicMessage: true,
});
const addC = encodeMlsMessage(r.commit);
write("mls-welcome", records(mls({ wireformat: "mls_welcome", welcome: r.welcome })));
write("mls-handle", records(addC));
sa = r.newState;

for (const withTree of [false, true]) {
  const gi = withTree
    ? await createGroupInfoWithRatchetTree(sa.groupContext, sa.confirmationTag, sa,
      sa.ratchetTree, [], impl)
    : await createGroupInfo(sa.groupContext, sa.confirmationTag, sa, [], impl);
  write("mls-group-info", mls({ wireformat: "mls_group_info", groupInfo: gi }));
}

// b, still at epoch 1: an application message, a Remove proposal, an update commit
// (PrivateMessages), then the same commit's epoch seen from a's side.
const app = await createApplicationMessage(sb, text("application data from ts-mls"), impl);
sb = app.newState;
const appMsg = mls({ wireformat: "mls_private_message", privateMessage: app.privateMessage });
const prop = await createProposal(sb, false, { proposalType: "remove", remove: { removed: 0 } },
  impl);
sb = prop.newState;
const propMsg = encodeMlsMessage(prop.message);
r = await createCommit({ state: sb, cipherSuite: impl });
const update = encodeMlsMessage(r.commit);
write("mls-handle", records(appMsg));
write("mls-handle", records(propMsg));
write("mls-handle", records(update));
write("mls-handle", records(appMsg, propMsg, update));
