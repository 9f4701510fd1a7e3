// ts-mls (an independent RFC 9420 implementation in TypeScript) as the other member of
// libgste2ee's MLS interop test and benchmark (docs/mls.md, "Interop with ts-mls").
//
// One process holds any number of named members, each a ts-mls client of cipher suite 1
// (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519). It reads one JSON request per line on
// stdin and answers each with one JSON line on stdout, in order:
//
//   request:  {"op": "...", "m": "member name", ...}      bytes are base64 strings
//   answer:   {"ok": true, ...}  or  {"ok": false, "error": "what went wrong"}
//
// Ops (MLSMessage bytes unless said otherwise):
//   hello                                  -> version of ts-mls, suite
//   new_member   m identity                -> key_package (a new client and KeyPackage)
//   key_package  m                         -> key_package (a fresh one for the same client)
//   create       m group_id                -> (m creates a group alone)
//   join         m welcome [ratchet_tree]  -> (ratchet_tree: the TLS-encoded tree, or none
//                                             to take it from the GroupInfo's extension)
//   add          m key_packages [tree_ext] [public] -> commit, welcome
//   remove       m leaves [public]         -> commit
//   update       m [public]                -> commit (an empty commit: a full path)
//   propose_add / propose_remove  m key_package|leaf [public] -> proposal (ts-mls cannot
//                                          propose an Update: it would not keep the new
//                                          leaf's private key; "update" commits instead)
//   commit       m [public] [tree_ext]     -> commit, welcome? (the pending proposals)
//   process      m message                 -> kind (commit|proposal|application), data?
//   protect      m data                    -> message (a PrivateMessage)
//   export       m label context length    -> secret
//   state        m                         -> epoch, leaf, epoch_authenticator,
//                                             security_code, base_key (export "SFrame
//                                             1.0 Base Key", "", 16), tree_hash,
//                                             members [{leaf, identity, signature_key,
//                                             fingerprint}] (security_code and
//                                             fingerprint: docs/mls.md's functions,
//                                             computed here with node:crypto)
//   ratchet_tree m                         -> ratchet_tree (TLS-encoded, no MLSMessage)
//   group_info   m [tree_ext]              -> group_info (a signed GroupInfo MLSMessage)
//   key_package_ref key_package            -> ref (KeyPackageRef), valid (its signature)
//   drop         m                         -> (forgets the member)
//   bench        n iterations              -> timings (ms) of commits in an n-member group
//   quit
//
// "public": true sends the handshake message as a PublicMessage; ts-mls's default (and
// this driver's) is a PrivateMessage. Every answer carries the member's epoch when a
// member was named and still has a group.
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { readFile } from "node:fs/promises";
import { createHash, createHmac } from "node:crypto";
import {
  createApplicationMessage, createCommit, createGroup, createProposal, joinGroup,
  processMessage, getCiphersuiteImpl, getCiphersuiteFromName, defaultCapabilities,
  defaultLifetime, emptyPskIndex, generateKeyPackage, encodeMlsMessage, decodeMlsMessage,
  mlsExporter, acceptAll, zeroOutUint8Array,
} from "ts-mls";
import { encodeRatchetTree, decodeRatchetTree } from "ts-mls/ratchetTree.js";
import { createGroupInfo, createGroupInfoWithRatchetTree } from "ts-mls/createCommit.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";

const SUITE = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
const impl = await getCiphersuiteImpl(getCiphersuiteFromName(SUITE));
const members = new Map();

const b64 = (u8) => Buffer.from(u8).toString("base64");
// docs/mls.md, "Keys for SFrame and the security code": 8 groups of 5 digits, each the
// big-endian 32-bit word i of a 32-byte digest modulo 100000.
const digits = (t) => Array.from({ length: 8 },
  (_, i) => String(t.readUInt32BE(4 * i) % 100000).padStart(5, "0")).join(" ");
const securityCode = (auth) =>
  digits(createHmac("sha256", auth).update("gst-e2ee 1.0 security code").digest());
const fingerprint = (key) => digits(createHash("sha256")
  .update("gst-e2ee 1.0 signature key fingerprint").update(key).digest());
const unb64 = (s) => {
  if (typeof s !== "string") throw new Error("expected a base64 string");
  return new Uint8Array(Buffer.from(s, "base64"));
};
const text = (s) => new TextEncoder().encode(s);

function member(name) {
  const m = members.get(name);
  if (m === undefined) throw new Error(`no member ${JSON.stringify(name)}`);
  return m;
}

function groupOf(name) {
  const m = member(name);
  if (m.state === undefined) throw new Error(`member ${name} has no group`);
  return m;
}

function decode(bytes) {
  const r = decodeMlsMessage(bytes, 0);
  if (r === undefined) throw new Error("not an MLSMessage");
  if (r[1] !== bytes.length) throw new Error(`${bytes.length - r[1]} bytes after the MLSMessage`);
  return r[0];
}

const mls = (content) => encodeMlsMessage({ version: "mls10", ...content });

async function newKeyPackage(m) {
  const kp = await generateKeyPackage(m.credential, defaultCapabilities(), defaultLifetime, [],
    impl);
  m.keyPackages.push(kp);
  return b64(mls({ wireformat: "mls_key_package", keyPackage: kp.publicPackage }));
}

function consume(result) {
  for (const c of result.consumed ?? []) zeroOutUint8Array(c);
}

function keyPackageFrom(bytes) {
  const msg = decode(unb64(bytes));
  if (msg.wireformat !== "mls_key_package") throw new Error(`not a KeyPackage: ${msg.wireformat}`);
  return msg.keyPackage;
}

async function commitWith(m, proposals, req) {
  const r = await createCommit({ state: m.state, cipherSuite: impl }, {
    extraProposals: proposals,
    wireAsPublicMessage: !!req.public,
    ratchetTreeExtension: !!req.tree_ext,
  });
  consume(r);
  m.state = r.newState;
  const out = { commit: b64(encodeMlsMessage(r.commit)) };
  if (r.welcome !== undefined)
    out.welcome = b64(mls({ wireformat: "mls_welcome", welcome: r.welcome }));
  return out;
}

async function proposal(m, p, req) {
  const r = await createProposal(m.state, !!req.public, p, impl);
  consume(r);
  m.state = r.newState;
  return { proposal: b64(encodeMlsMessage(r.message)) };
}

function leafIndexOf(state) {
  return state.privatePath.leafIndex;
}

async function stateOf(m) {
  const s = m.state;
  const list = [];
  s.ratchetTree.forEach((node, i) => {
    if (i % 2 === 0 && node !== undefined)
      list.push({
        leaf: i / 2,
        identity: b64(node.leaf.credential.identity),
        signature_key: b64(node.leaf.signaturePublicKey),
        fingerprint: fingerprint(node.leaf.signaturePublicKey),
      });
  });
  return {
    epoch: Number(s.groupContext.epoch),
    leaf: leafIndexOf(s),
    group_id: b64(s.groupContext.groupId),
    epoch_authenticator: b64(s.keySchedule.epochAuthenticator),
    security_code: securityCode(s.keySchedule.epochAuthenticator),
    base_key: b64(await mlsExporter(s.keySchedule.exporterSecret, "SFrame 1.0 Base Key",
      new Uint8Array(), 16, impl)),
    tree_hash: b64(await treeHashRoot(s.ratchetTree, impl.hash)),
    members: list,
  };
}

// The median of a few timed runs.
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};

// Runs f() and records its cost in t[name] (CPU time of the whole process, user and
// system, in ms: WebCrypto's work on libuv's threads included) and t[name + "_wall"].
async function timed(t, name, f) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await f();
  const w = performance.now() - w0;
  const c = process.cpuUsage(c0);
  (t[name] ??= []).push((c.user + c.system) / 1000);
  (t[name + "_wall"] ??= []).push(w);
  return r;
}

// A group of n members built the way the C benchmark builds ours: the creator adds the
// n - 1 others in one commit (so the tree's parent nodes are those of the creator's
// path only); "observer" (leaf 1) joins from the Welcome and processes what the creator
// commits. Each iteration adds one member and removes it again, timing both sides.
// Then one more add, untimed, with the ratchet_tree extension in its Welcome.
async function bench(n, iterations) {
  const mk = async (id) => {
    const credential = { credentialType: "basic", identity: text(id) };
    return generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], impl);
  };
  const t = {};
  const b0 = performance.now();
  const creatorKp = await mk("creator");
  let creator = await createGroup(text("bench"), creatorKp.publicPackage,
    creatorKp.privatePackage, [], impl);
  const observerKp = await mk("observer");
  const others = [observerKp];
  for (let i = 2; i < n; i++) others.push(await mk(`member-${i}`));
  const built = await createCommit({ state: creator, cipherSuite: impl }, {
    extraProposals: others.map((k) => ({ proposalType: "add", add: { keyPackage: k.publicPackage } })),
  });
  creator = built.newState;
  let observer = await joinGroup(built.welcome, observerKp.publicPackage,
    observerKp.privatePackage, emptyPskIndex, impl, creator.ratchetTree);
  const buildMs = performance.now() - b0;
  const sizes = {};
  const addCommit = (kp, ext) => createCommit({ state: creator, cipherSuite: impl }, {
    extraProposals: [{ proposalType: "add", add: { keyPackage: kp.publicPackage } }],
    ratchetTreeExtension: ext,
  });
  for (let it = 0; it < iterations; it++) {
    const joiner = await mk(`joiner-${it}`);
    const add = await timed(t, "add_commit", async () => {
      const r = await addCommit(joiner, false);
      return { ...r, bytes: encodeMlsMessage(r.commit) };
    });
    creator = add.newState;
    sizes.welcome_bytes = mls({ wireformat: "mls_welcome", welcome: add.welcome }).length;
    sizes.add_commit_bytes = add.bytes.length;
    observer = (await timed(t, "add_process", () =>
      processMessage(decode(add.bytes), observer, emptyPskIndex, acceptAll, impl))).newState;
    let joinedLeaf = -1;
    creator.ratchetTree.forEach((node, i) => {
      if (i % 2 === 0 && node !== undefined &&
          Buffer.from(node.leaf.credential.identity).toString() === `joiner-${it}`)
        joinedLeaf = i / 2;
    });
    const rm = await timed(t, "remove_commit", async () => {
      const r = await createCommit({ state: creator, cipherSuite: impl }, {
        extraProposals: [{ proposalType: "remove", remove: { removed: joinedLeaf } }],
      });
      return { ...r, bytes: encodeMlsMessage(r.commit) };
    });
    creator = rm.newState;
    sizes.remove_commit_bytes = rm.bytes.length;
    observer = (await timed(t, "remove_process", () =>
      processMessage(decode(rm.bytes), observer, emptyPskIndex, acceptAll, impl))).newState;
    const a = await stateOf({ state: creator });
    const b = await stateOf({ state: observer });
    if (a.base_key !== b.base_key || a.epoch_authenticator !== b.epoch_authenticator)
      throw new Error("bench: creator and observer disagree");
  }
  const withExt = await addCommit(await mk("joiner-ext"), true);
  sizes.welcome_ext_bytes = mls({ wireformat: "mls_welcome", welcome: withExt.welcome }).length;
  const out = { n, iterations, build_ms: buildMs, ...sizes };
  for (const [k, v] of Object.entries(t)) out[`${k}_ms`] = median(v);
  return out;
}

const ops = {
  async hello() {
    const pkg = new URL("./node_modules/ts-mls/package.json", import.meta.url);
    const { version } = JSON.parse(await readFile(pkg, "utf8"));
    return { ts_mls: version, suite: SUITE, node: process.version };
  },
  async new_member(req) {
    if (members.has(req.m)) throw new Error(`member ${req.m} exists`);
    const m = {
      credential: { credentialType: "basic", identity: text(req.identity ?? req.m) },
      keyPackages: [],
      state: undefined,
    };
    members.set(req.m, m);
    return { key_package: await newKeyPackage(m) };
  },
  async key_package(req) {
    return { key_package: await newKeyPackage(member(req.m)) };
  },
  async create(req) {
    const m = member(req.m);
    const kp = m.keyPackages.pop();
    if (kp === undefined) throw new Error("no KeyPackage left");
    m.state = await createGroup(unb64(req.group_id), kp.publicPackage, kp.privatePackage, [],
      impl);
    return {};
  },
  async join(req) {
    const m = member(req.m);
    const msg = decode(unb64(req.welcome));
    if (msg.wireformat !== "mls_welcome") throw new Error(`not a Welcome: ${msg.wireformat}`);
    let tree;
    if (req.ratchet_tree !== undefined && req.ratchet_tree !== null) {
      const bytes = unb64(req.ratchet_tree);
      const r = decodeRatchetTree(bytes, 0);
      if (r === undefined || r[1] !== bytes.length) throw new Error("bad ratchet tree");
      tree = r[0];
    }
    // The Welcome names the KeyPackage it was made for; try each one this client has.
    let lastError;
    for (let i = m.keyPackages.length - 1; i >= 0; i--) {
      const kp = m.keyPackages[i];
      try {
        m.state = await joinGroup(msg.welcome, kp.publicPackage, kp.privatePackage,
          emptyPskIndex, impl, tree);
        m.keyPackages.splice(i, 1);
        return {};
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError ?? new Error("no KeyPackage to join with");
  },
  async add(req) {
    const m = groupOf(req.m);
    const kps = req.key_packages ?? [req.key_package];
    return commitWith(m, kps.map((k) => ({ proposalType: "add", add: { keyPackage: keyPackageFrom(k) } })),
      req);
  },
  async remove(req) {
    const m = groupOf(req.m);
    const leaves = req.leaves ?? [req.leaf];
    return commitWith(m, leaves.map((l) => ({ proposalType: "remove", remove: { removed: l } })), req);
  },
  async update(req) {
    return commitWith(groupOf(req.m), [], req);
  },
  async commit(req) {
    return commitWith(groupOf(req.m), [], req);
  },
  async propose_add(req) {
    const m = groupOf(req.m);
    return proposal(m, { proposalType: "add", add: { keyPackage: keyPackageFrom(req.key_package) } },
      req);
  },
  async propose_remove(req) {
    return proposal(groupOf(req.m), { proposalType: "remove", remove: { removed: req.leaf } }, req);
  },
  async process(req) {
    const m = groupOf(req.m);
    const msg = decode(unb64(req.message));
    if (msg.wireformat !== "mls_public_message" && msg.wireformat !== "mls_private_message")
      throw new Error(`not a handshake or application message: ${msg.wireformat}`);
    const kind = msg.wireformat === "mls_public_message"
      ? msg.publicMessage.content.contentType : msg.privateMessage.contentType;
    const r = await processMessage(msg, m.state, emptyPskIndex, acceptAll, impl);
    consume(r);
    m.state = r.newState;
    const out = { kind };
    if (r.kind === "applicationMessage") out.data = b64(r.message);
    if (m.state.groupActiveState?.kind === "removedFromGroup") out.removed = true;
    return out;
  },
  async protect(req) {
    const m = groupOf(req.m);
    const r = await createApplicationMessage(m.state, unb64(req.data), impl);
    consume(r);
    m.state = r.newState;
    return { message: b64(mls({ wireformat: "mls_private_message", privateMessage: r.privateMessage })) };
  },
  async export(req) {
    const s = groupOf(req.m).state;
    return { secret: b64(await mlsExporter(s.keySchedule.exporterSecret, req.label,
      unb64(req.context ?? ""), req.length, impl)) };
  },
  async state(req) {
    return stateOf(groupOf(req.m));
  },
  async ratchet_tree(req) {
    return { ratchet_tree: b64(encodeRatchetTree(groupOf(req.m).state.ratchetTree)) };
  },
  async group_info(req) {
    const s = groupOf(req.m).state;
    const gi = req.tree_ext
      ? await createGroupInfoWithRatchetTree(s.groupContext, s.confirmationTag, s, s.ratchetTree, [], impl)
      : await createGroupInfo(s.groupContext, s.confirmationTag, s, [], impl);
    return { group_info: b64(mls({ wireformat: "mls_group_info", groupInfo: gi })) };
  },
  async key_package_ref(req) {
    const kp = keyPackageFrom(req.key_package);
    return {
      valid: await verifyKeyPackage(kp, impl.signature),
      ref: b64(await makeKeyPackageRef(kp, impl.hash)),
    };
  },
  async drop(req) {
    member(req.m);
    members.delete(req.m);
    return {};
  },
  async bench(req) {
    return bench(req.n, req.iterations ?? 5);
  },
};

// One request at a time, answered in order: the C side waits for each answer.
const rl = createInterface({ input: process.stdin, terminal: false });
for await (const line of rl) {
  if (line.trim() === "") continue;
  let req;
  let answer;
  try {
    req = JSON.parse(line);
    if (req.op === "quit") break;
    const op = ops[req.op];
    if (op === undefined) throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    answer = { ok: true, ...(await op(req)) };
    const m = members.get(req.m);
    if (m?.state !== undefined && answer.epoch === undefined)
      answer.epoch = Number(m.state.groupContext.epoch);
  } catch (e) {
    answer = { ok: false, error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
rl.close();
