// Benchmark of one party's work per protocol round, through the plug-ins.
//
//   npx tsx scripts/bench-protocol.ts [--json] [--sizes 3,16,64,128] [--reps N]
//
// For n parties and t = floor(n/2) + 1 it measures party 1's CPU time (process.cpuUsage, user +
// system, in milliseconds; the median over repetitions) for each key-generation round and each
// signing round (t signers), and prints each round's payload size. Only party 1's work is timed:
//  - key-generation round 2 = verify n-1 proofs of knowledge, encrypt n-1 shares;
//  - key-generation round 3 = decrypt n-1 shares, check them against the senders' commitments,
//    derive the key share and all verifying shares.
// To keep the setup affordable at n = 128, the other parties' round-2 payloads carry an honest
// ciphertext for party 1 only (the slots of the others, which party 1 never opens, are filler),
// and signing uses a trusted-dealer key of the same (t, n) (signing cost does not depend on how
// the key was made).

import { schnorr_FROST, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  decodeKeygenState,
  encodeKeygenRound2,
  encodeKeyShare,
  encryptShare,
  frostKeygen,
  frostSigning,
  type KeyShare,
  type RandomSource,
  type RoundOutput,
  type SessionContext,
  TAPROOT_CIPHERSUITE,
} from "../src/protocol/index.js";

type Row = {
  protocol: "keygen" | "signing";
  n: number;
  t: number;
  round: number;
  medianCpuMs: number;
  repetitions: number;
  payloadBytes: number;
};

const args = process.argv.slice(2);
const json = args.includes("--json");
const sizesArg = flagValue("--sizes");
const repsArg = flagValue("--reps");
const sizes = sizesArg === undefined ? [3, 16, 64, 128] : sizesArg.split(",").map(Number);

function flagValue(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

function repetitionsFor(n: number): number {
  if (repsArg !== undefined) return Number(repsArg);
  return n <= 16 ? 9 : n <= 64 ? 5 : 3;
}

function seeded(seed: string): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(new TextEncoder().encode(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

function cpu<T>(fn: () => T): { ms: number; value: T } {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, value };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function payloadOf<R>(output: RoundOutput<R>): { payload: Uint8Array; state: Uint8Array } {
  if (output.kind === "blame") {
    throw new Error(
      `benchmark run blamed: ${output.accusations.map((a) => a.reason.message).join("; ")}`,
    );
  }
  return output;
}

function others(all: ReadonlyMap<number, Uint8Array>, self: number): Map<number, Uint8Array> {
  return new Map([...all].filter(([party]) => party !== self));
}

function benchKeygen(n: number, t: number): Row[] {
  const reps = repetitionsFor(n);
  const random = seeded(`keys-${n}`);
  const secretKeys = Array.from({ length: n }, () => secp256k1.utils.randomSecretKey(random(48)));
  const encryptionKeys = secretKeys.map((sk) => secp256k1.getPublicKey(sk, true));
  const context = (partyIndex: number): SessionContext => ({
    ciphersuite: TAPROOT_CIPHERSUITE,
    chainId: 31337n,
    contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    sessionId: 1n,
    encryptionKeys,
    threshold: t,
    partyIndex,
  });
  const input = (party: number) => ({
    context: context(party),
    params: {},
    secrets: { encryptionSecretKey: secretKeys[party - 1]! },
    random: seeded(`keygen-${n}-${party}`),
  });

  // Everyone's round 1 (party 1's is timed below).
  const round1 = new Map<number, Uint8Array>();
  const states = new Map<number, Uint8Array>();
  for (let party = 2; party <= n; party++) {
    const out = payloadOf(frostKeygen.start(input(party)));
    round1.set(party, out.payload);
    states.set(party, out.state);
  }
  const r1 = [];
  let own1 = payloadOf(frostKeygen.start(input(1)));
  for (let i = 0; i < reps; i++) {
    const m = cpu(() => payloadOf(frostKeygen.start(input(1))));
    r1.push(m.ms);
    own1 = m.value;
  }
  round1.set(1, own1.payload);

  // Party 1's round 2.
  const r2 = [];
  let own2 = own1;
  for (let i = 0; i < reps; i++) {
    const m = cpu(() =>
      payloadOf(
        frostKeygen.next({
          ...input(1),
          state: own1.state,
          round: 2,
          received: [others(round1, 1)],
        }),
      ),
    );
    r2.push(m.ms);
    own2 = m.value;
  }

  // The others' round-2 payloads: an honest share for party 1 in slot 0, filler elsewhere.
  const round2 = new Map<number, Uint8Array>();
  const order = secp256k1.Point.Fn.ORDER;
  for (let party = 2; party <= n; party++) {
    const { coefficients } = decodeKeygenState(states.get(party)!);
    // f_party(1) = sum of the coefficients.
    const share = coefficients.reduce((sum, c) => (sum + c) % order, 0n);
    const ciphertext = encryptShare({
      context: context(party),
      recipient: 1,
      encryptionSecretKey: secretKeys[party - 1]!,
      share: secp256k1.Point.Fn.toBytes(share),
    });
    const filler = Array.from({ length: n - 2 }, () => new Uint8Array(48));
    round2.set(party, encodeKeygenRound2({ ciphertexts: [ciphertext, ...filler] }));
  }

  const r3 = [];
  let own3: { payload: Uint8Array } = own2;
  for (let i = 0; i < Math.min(reps, n >= 128 ? 3 : reps); i++) {
    const m = cpu(() =>
      payloadOf(
        frostKeygen.next({
          ...input(1),
          state: own2.state,
          round: 3,
          received: [others(round1, 1), others(round2, 1)],
        }),
      ),
    );
    r3.push(m.ms);
    own3 = m.value;
  }
  return [
    {
      protocol: "keygen",
      n,
      t,
      round: 1,
      medianCpuMs: median(r1),
      repetitions: r1.length,
      payloadBytes: own1.payload.length,
    },
    {
      protocol: "keygen",
      n,
      t,
      round: 2,
      medianCpuMs: median(r2),
      repetitions: r2.length,
      payloadBytes: own2.payload.length,
    },
    {
      protocol: "keygen",
      n,
      t,
      round: 3,
      medianCpuMs: median(r3),
      repetitions: r3.length,
      payloadBytes: own3.payload.length,
    },
  ];
}

function benchSigning(n: number, t: number): Row[] {
  const reps = repetitionsFor(n);
  const random = seeded(`dealer-${n}`);
  const deal = schnorr_FROST.trustedDealer(
    { min: t, max: n },
    undefined,
    undefined,
    (length = 32) => random(length),
  );
  const verifyingShares = Array.from(
    { length: n },
    (_, i) => deal.public.verifyingShares[schnorr_FROST.Identifier.fromNumber(i + 1)]!,
  );
  const keyShare = (identifier: number): Uint8Array => {
    const share: KeyShare = {
      ciphersuite: TAPROOT_CIPHERSUITE,
      identifier,
      threshold: t,
      signingShare:
        deal.secretShares[schnorr_FROST.Identifier.fromNumber(identifier)]!.signingShare,
      commitments: deal.public.commitments,
      verifyingShares,
    };
    return encodeKeyShare(share);
  };
  const signers = Array.from({ length: t }, (_, i) => i + 1);
  const keys = seeded(`signing-keys-${n}`);
  const encryptionKeys = signers.map(() =>
    secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(keys(48)), true),
  );
  const params = {
    signerIdentifiers: signers,
    messageDigest: sha256(new TextEncoder().encode("benchmark")),
    groupPublicKey: deal.public.commitments[0]!.slice(1),
  };
  const signingContext = (partyIndex: number): SessionContext => ({
    ciphersuite: TAPROOT_CIPHERSUITE,
    chainId: 31337n,
    contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    sessionId: 2n,
    encryptionKeys,
    threshold: t,
    partyIndex,
  });
  const input = (party: number) => ({
    context: signingContext(party),
    params,
    secrets: { keyShare: keyShare(party) },
    random: seeded(`sign-${n}-${party}`),
  });

  const payloads = [
    new Map<number, Uint8Array>(),
    new Map<number, Uint8Array>(),
    new Map<number, Uint8Array>(),
  ];
  const states = new Map<number, Uint8Array>();
  const timings: number[][] = [[], [], []];
  for (let party = 1; party <= t; party++) {
    const out = payloadOf(frostSigning.start(input(party)));
    payloads[0]!.set(party, out.payload);
    states.set(party, out.state);
  }
  for (let i = 0; i < reps; i++) timings[0]!.push(cpu(() => frostSigning.start(input(1))).ms);
  for (const round of [2, 3]) {
    const before = new Map(states);
    for (let party = 1; party <= t; party++) {
      const run = () =>
        payloadOf(
          frostSigning.next({
            ...input(party),
            state: before.get(party)!,
            round,
            received: payloads.slice(0, round - 1).map((all) => others(all, party)),
          }),
        );
      const out = run();
      payloads[round - 1]!.set(party, out.payload);
      states.set(party, out.state);
      // Round 2 from the same fresh state is deterministic (same share): time it for party 1.
      if (party === 1) for (let k = 0; k < reps; k++) timings[round - 1]!.push(cpu(run).ms);
    }
  }
  return [1, 2, 3].map((round) => ({
    protocol: "signing" as const,
    n,
    t,
    round,
    medianCpuMs: median(timings[round - 1]!),
    repetitions: timings[round - 1]!.length,
    payloadBytes: payloads[round - 1]!.get(1)!.length,
  }));
}

const rows: Row[] = [];
for (const n of sizes) {
  const t = Math.floor(n / 2) + 1;
  rows.push(...benchKeygen(n, t), ...benchSigning(n, t));
  if (!json) {
    const mine = rows.filter((r) => r.n === n);
    const total = (protocol: Row["protocol"]) =>
      mine.filter((r) => r.protocol === protocol).reduce((sum, r) => sum + r.medianCpuMs, 0);
    console.log(`n = ${n}, t = ${t} (party 1, median CPU ms via process.cpuUsage)`);
    for (const r of mine) {
      console.log(
        `  ${r.protocol.padEnd(7)} round ${r.round}: ${r.medianCpuMs.toFixed(1).padStart(9)} ms   payload ${String(r.payloadBytes).padStart(6)} B   (${r.repetitions} runs)`,
      );
    }
    console.log(
      `  keygen total ${total("keygen").toFixed(1)} ms, signing total ${total("signing").toFixed(1)} ms`,
    );
  }
}
if (json) {
  console.log(
    JSON.stringify(
      {
        measure: "median CPU time (process.cpuUsage user+system) of party 1's call, ms",
        node: process.version,
        ciphersuite: TAPROOT_CIPHERSUITE,
        rows,
      },
      null,
      2,
    ),
  );
}
