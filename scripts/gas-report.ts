// Measures the gas of whole key-generation sessions with FROST-sized payloads,
// each party's actions sent directly and, separately, as one batch per phase: signed by the
// parties' accounts, and again with session delegates (each acceptance names a delegate key,
// which signs the rounds).
// Totals are sums of receipts' gasUsed, creation included.
//
//   npm run gas            prints a table
//   npm run gas -- --json  prints one JSON object

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { network } from "hardhat";
import {
  bytesToHex,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
  parseEther,
  type TransactionReceipt,
  zeroAddress,
} from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { packBatchItems } from "../src/sdk/batchCall.js";
import { encodeAcceptData } from "../src/sdk/eip712.js";
import { proveEncryptionKey } from "../src/sdk/encryptionKeyProof.js";
import { roundtableAbi } from "../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../src/sdk/hashSessionConfig.js";
import { keygenConfig } from "../src/sdk/protocolIds.js";
import { signAction } from "../src/sdk/signAction.js";
import { ActionType, type SessionConfig, type SignedAction } from "../src/sdk/types.js";

const SIZES = [2, 3, 4, 8, 16, 32];
const json = process.argv.includes("--json");

type Stage = "create" | "accept" | "round1" | "round2" | "agreement";
type Measured = { total: number; byStage: Record<Stage, number[]>; floor: number };

/**
 * EIP-7623's calldata floor of a transaction (Prague and later): 21,000 plus 10 gas per token,
 * a zero byte one token, any other byte four. No contract code can make a transaction cheaper.
 */
function calldataFloor(input: Hex): number {
  let tokens = 0;
  for (let i = 2; i < input.length; i += 2) tokens += input.slice(i, i + 2) === "00" ? 1 : 4;
  return 21_000 + 10 * tokens;
}

async function floorOf(hash: Hex): Promise<number> {
  return calldataFloor((await publicClient.getTransaction({ hash })).input);
}

const connection = await network.create();
const publicClient = (await connection.viem.getPublicClient()) as PublicClient;
const chain = publicClient.chain!;
const chainId = await publicClient.getChainId();
const deployer = (await connection.viem.getWalletClients())[0]!;
const contract = await connection.viem.deployContract("Roundtable");

function random(length: number): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(length)));
}

function walletFor(account: PrivateKeyAccount) {
  return createWalletClient({ account, chain, transport: custom(connection.provider) });
}

async function fundedAccounts(count: number): Promise<PrivateKeyAccount[]> {
  const accounts = Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()));
  for (const account of accounts) {
    await connection.networkHelpers.setBalance(account.address, parseEther("10"));
  }
  return accounts.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

async function receipt(hash: Hex): Promise<TransactionReceipt> {
  const result = await publicClient.waitForTransactionReceipt({ hash });
  if (result.status !== "success") throw new Error(`Transaction ${hash} reverted`);
  return result;
}

async function createSession(
  config: SessionConfig,
): Promise<{ sessionId: bigint; gas: number; floor: number }> {
  const hash = await contract.write.createSession([config], { account: deployer.account });
  const result = await receipt(hash);
  const sessionId = (await contract.read.sessionCount()) as bigint;
  return { sessionId, gas: Number(result.gasUsed), floor: await floorOf(hash) };
}

/** A fresh encryption key of party `party` and its proof of possession for session `sessionId`. */
function encryptionKeyFor(sessionId: bigint, party: number) {
  return proveEncryptionKey({
    chainId,
    contract: contract.address,
    sessionId,
    party,
    secretKey: secp256k1.utils.randomSecretKey(),
  });
}

/**
 * Payloads of one party for each stage, sized like FROST's: round 1 is t commitments, a proof of
 * knowledge and the session-binding signature; round 2 an encrypted share for each other party.
 */
function payloadsFor(n: number, t: number, groupKey: Hex) {
  return { round1: random(33 * t + 65 + 64), round2: random(48 * (n - 1)), agreement: groupKey };
}

async function runDirect(n: number, t: number): Promise<Measured> {
  const parties = await fundedAccounts(n);
  const config = keygenConfig({ parties: parties.map((p) => p.address), threshold: t });
  const configHash = hashSessionConfig(config);
  const created = await createSession(config);
  const byStage: Record<Stage, number[]> = {
    create: [created.gas],
    accept: [],
    round1: [],
    round2: [],
    agreement: [],
  };
  const groupKey = `0x02${random(32).slice(2)}` as Hex;
  const payloads = parties.map(() => payloadsFor(n, t, groupKey));
  const send = async (stage: Stage, write: (i: number) => Promise<Hex>) => {
    for (let i = 0; i < n; i++)
      byStage[stage].push(Number((await receipt(await write(i))).gasUsed));
  };
  const id = created.sessionId;
  const wallets = parties.map(walletFor);
  const call = (i: number, functionName: "accept" | "submit", args: readonly unknown[]) =>
    wallets[i]!.writeContract({
      address: contract.address,
      abi: roundtableAbi,
      functionName,
      args: args as never,
    });
  await send("accept", (i) => {
    const { encryptionKey, keyProof } = encryptionKeyFor(id, i);
    return call(i, "accept", [id, i, configHash, encryptionKey, keyProof, zeroAddress]);
  });
  await send("round1", (i) => call(i, "submit", [id, i, 1, payloads[i]!.round1]));
  await send("round2", (i) => call(i, "submit", [id, i, 2, payloads[i]!.round2]));
  await send("agreement", (i) => call(i, "submit", [id, i, 3, payloads[i]!.agreement]));
  await expectFinalized(id);
  const total = Object.values(byStage)
    .flat()
    .reduce((a, b) => a + b, 0);
  return { total, byStage, floor: Number.NaN };
}

async function runBatched(n: number, t: number, delegated = false): Promise<Measured> {
  const parties = await fundedAccounts(n);
  const config = keygenConfig({ parties: parties.map((p) => p.address), threshold: t });
  const configHash = hashSessionConfig(config);
  const created = await createSession(config);
  let floor = created.floor;
  const id = created.sessionId;
  const groupKey = `0x02${random(32).slice(2)}` as Hex;
  const payloads = parties.map(() => payloadsFor(n, t, groupKey));
  const byStage: Record<Stage, number[]> = {
    create: [created.gas],
    accept: [],
    round1: [],
    round2: [],
    agreement: [],
  };
  const base = { sessionId: id, accused: 0, word: configHash, round: 0 } as const;
  const delegates = parties.map((account) =>
    delegated ? privateKeyToAccount(generatePrivateKey()) : account,
  );
  const phase = async (stage: Stage, build: (i: number) => Omit<SignedAction, "signature">) => {
    const actions = await Promise.all(
      parties.map((account, i) =>
        signAction({
          // The account accepts; with delegates, each delegate signs its party's rounds.
          account: stage === "accept" ? account : delegates[i]!,
          chainId,
          contract: contract.address,
          action: build(i),
        }),
      ),
    );
    const hash = await contract.write.batch([packBatchItems(actions)], {
      account: deployer.account,
    });
    byStage[stage].push(Number((await receipt(hash)).gasUsed));
    floor += await floorOf(hash);
  };
  await phase("accept", (i) => ({
    ...base,
    action: ActionType.Accept,
    party: i,
    data: encodeAcceptData({
      ...encryptionKeyFor(id, i),
      delegate: delegated ? delegates[i]!.address : zeroAddress,
    }),
  }));
  for (const [stage, round] of [
    ["round1", 1],
    ["round2", 2],
    ["agreement", 3],
  ] as const) {
    await phase(stage, (i) => ({
      ...base,
      action: ActionType.Submit,
      party: i,
      round,
      data: payloads[i]![stage],
    }));
  }
  await expectFinalized(id);
  const total = Object.values(byStage)
    .flat()
    .reduce((a, b) => a + b, 0);
  return { total, byStage, floor };
}

async function expectFinalized(sessionId: bigint) {
  const state = await contract.read.sessionState([sessionId]);
  if (state.phase !== 7)
    throw new Error(`Session ${sessionId} ended in phase ${state.phase}, not Finalized`);
}

const mean = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);

const sizes = [];
for (const n of SIZES) {
  const t = Math.floor(n / 2) + 1;
  const direct = await runDirect(n, t);
  const batched = await runBatched(n, t);
  const delegatedRun = await runBatched(n, t, true);
  sizes.push({
    n,
    t,
    direct: {
      total: direct.total,
      create: direct.byStage.create[0]!,
      perAction: {
        accept: mean(direct.byStage.accept),
        round1: mean(direct.byStage.round1),
        round2: mean(direct.byStage.round2),
        agreement: mean(direct.byStage.agreement),
      },
    },
    batched: {
      total: batched.total,
      // The sum of every transaction's EIP-7623 calldata floor: what the bytes alone cost.
      calldataFloor: batched.floor,
      perPhase: {
        accept: batched.byStage.accept[0]!,
        round1: batched.byStage.round1[0]!,
        round2: batched.byStage.round2[0]!,
        agreement: batched.byStage.agreement[0]!,
      },
    },
    batchedWithDelegates: {
      total: delegatedRun.total,
      perPhase: {
        accept: delegatedRun.byStage.accept[0]!,
        round1: delegatedRun.byStage.round1[0]!,
        round2: delegatedRun.byStage.round2[0]!,
        agreement: delegatedRun.byStage.agreement[0]!,
      },
    },
  });
}

if (json) {
  console.log(JSON.stringify({ sizes }));
} else {
  const fmt = (x: number) => x.toLocaleString("en-US");
  console.log(
    "| n | t | direct total | create | accept | round 1 | round 2 | agreement | batched total | batched/direct | batched floor | batched/floor | batched, delegates | delegates/batched |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const s of sizes) {
    const p = s.direct.perAction;
    console.log(
      `| ${s.n} | ${s.t} | ${fmt(s.direct.total)} | ${fmt(s.direct.create)} | ${fmt(p.accept)} | ${fmt(p.round1)} | ${fmt(p.round2)} | ${fmt(p.agreement)} | ${fmt(s.batched.total)} | ${(s.batched.total / s.direct.total).toFixed(2)} | ${fmt(s.batched.calldataFloor)} | ${(s.batched.total / s.batched.calldataFloor).toFixed(2)} | ${fmt(s.batchedWithDelegates.total)} | ${(s.batchedWithDelegates.total / s.batched.total).toFixed(3)} |`,
    );
  }
  console.log("\nPer-action columns are means over the session's parties (direct transactions).");
  console.log(
    "Batched floor: the sum of the batched session's transactions' EIP-7623 calldata floors (21,000 + 10 gas a token; a zero byte is one token, any other four), creation included.",
  );
  console.log(
    "With delegates, each acceptance names a delegate (one more storage slot) and the delegates sign every round.",
  );
}
await connection.close();
