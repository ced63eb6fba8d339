// The demo's result, for people and for scripts (`--json`). Both hold only public values.
import { formatTable } from "../output.js";
import { type DemoSummary, sessionIdJson } from "./runDemo.js";

/**
 * The JSON result: exactly these keys. Session ids are decimal strings (uint256 on chain, as in
 * every command's JSON), gas figures numbers, hex values 0x strings, times seconds.
 */
export type DemoSummaryJson = {
  chainId: number;
  contract: string;
  keygenSession: string;
  groupPublicKey: string;
  signingSession: string;
  message: string;
  signature: string;
  gas: { keygen: number; signing: number };
  seconds: DemoSummary["seconds"];
  audit: DemoSummary["audit"];
  /** Per session and party: actions its account signed, and its delegate (from the audit). */
  signatures: DemoSummary["audit"]["signatures"];
  /** Stage 6: the group's account, the intent it executed and the gas of one signature check. */
  account: {
    address: string;
    intentDigest: string;
    signature: string;
    executeTransaction: string;
    verifyGas: number;
  };
  /** With --relayer: its account, and how many of the two sessions' transactions it sent. */
  relayer?: { address: string; transactions: number; partyBalancesWei: string };
  /** With --web: the 0-based index of the party that ran in the headless browser; else null. */
  browserParty: number | null;
};

export function summaryJson(summary: DemoSummary): DemoSummaryJson {
  return {
    chainId: summary.chainId,
    contract: summary.contract,
    keygenSession: sessionIdJson(summary.keygenSession),
    groupPublicKey: summary.groupPublicKey,
    signingSession: sessionIdJson(summary.signingSession),
    message: summary.message,
    signature: summary.signature,
    gas: { keygen: Number(summary.gas.keygen), signing: Number(summary.gas.signing) },
    seconds: summary.seconds,
    audit: summary.audit,
    signatures: summary.audit.signatures,
    browserParty: summary.browserParty?.index ?? null,
    account: {
      address: summary.account.address,
      intentDigest: summary.account.intentDigest,
      signature: summary.account.signature,
      executeTransaction: summary.account.executeTransaction,
      verifyGas: Number(summary.account.verifyGas),
    },
    ...(summary.relayer === undefined
      ? {}
      : {
          relayer: {
            address: summary.relayer.address,
            transactions: summary.relayer.transactions,
            partyBalancesWei: summary.relayer.partyBalances.toString(),
          },
        }),
  };
}

const number = new Intl.NumberFormat("en-US");
const s = (value: number) => `${value.toFixed(2)} s`;

/** The summary as lines for stdout. */
export function summaryLines(summary: DemoSummary): string[] {
  const { seconds, gas, transactions } = summary;
  const chainState = summary.ownChain
    ? summary.chainRunning
      ? "the demo's own, still running"
      : "the demo's own, now stopped"
    : "yours, still running";
  const rows: string[][] = [
    ["chain", `${summary.chainId} at ${summary.rpcUrl} (${chainState})`],
    ["contract", summary.contract],
    ["initiator", `${summary.initiator} (Hardhat's development account, not a party)`],
    ["parties", summary.parties.map((p) => `${p.index} ${p.name} ${p.address}`).join(", ")],
    [
      "key generation",
      `session ${summary.keygenSession}, ${summary.threshold} of ${summary.parties.length}, config hash ${summary.keygenConfigHash}`,
    ],
    ["group public key", `${summary.groupPublicKey} (32-byte x-only, as BIP-340 takes it)`],
    [
      "signing",
      `session ${summary.signingSession} by ${summary.signers.join(" and ")}, config hash ${summary.signingConfigHash}`,
    ],
    [
      "message",
      `${summary.message}, the tagged hash of the text ${JSON.stringify(summary.messageText)}, which every signer was shown`,
    ],
    ["signature", `${summary.signature} (64-byte BIP-340)`],
    [
      "verified",
      `schnorr.verify (BIP-340, @noble/curves): valid; resultOf(${summary.signingSession}) on chain equals it`,
    ],
    [
      "gas",
      `key generation ${number.format(gas.keygen)} (${transactions.keygen} transactions), signing ${number.format(gas.signing)} (${transactions.signing} transactions)`,
    ],
    [
      "group account",
      `${summary.account.address}: received 1 ETH, paid 0.25 ETH to ${summary.account.recipient} on the group's signature (session ${summary.account.signingSession}, intent digest ${summary.account.intentDigest}), executed in ${summary.account.executeTransaction} (${number.format(summary.account.executeGas)} gas); one BIP-340 check on chain ${number.format(summary.account.verifyGas)} gas`,
    ],
    ["signatures", signaturesText(summary.audit.signatures)],
    [
      "audited",
      `roundtable audit ${summary.keygenSession} ${summary.signingSession} ${summary.account.signingSession}: ${summary.audit.verdict}, ${summary.audit.passed} checks passed, ${summary.audit.notApplicable} not applicable, ${summary.audit.failed} failed`,
    ],
    ...(summary.relayer === undefined
      ? []
      : [
          [
            "relayer",
            `${summary.relayer.address} at ${summary.relayer.url} sent ${summary.relayer.transactions} of the ${transactions.keygen + transactions.signing} transactions; the parties hold ${summary.relayer.partyBalances} wei and paid no gas`,
          ],
        ]),
    ...(summary.browserParty === undefined
      ? []
      : [
          [
            "browser party",
            `${summary.browserParty.index} ${summary.browserParty.name} ran in headless Chromium through the web client at ${summary.browserParty.url}, its wallet an injected EIP-6963 provider`,
          ],
        ]),
    [
      "time",
      `chain ${s(seconds.chain)}, key generation ${s(seconds.keygen)}, signing ${s(seconds.signing)}, verify ${s(seconds.verify)}, account ${s(seconds.account)}, audit ${s(seconds.audit)}; total ${s(seconds.total)}`,
    ],
    [
      "files",
      `${summary.workDir} (key files with scrypt N = 2^${Math.log2(summary.scryptN)}, lowered for the demo)`,
    ],
  ];
  const inspectNote = summary.chainRunning
    ? "Inspect the sessions:"
    : "Inspect the sessions while the chain runs (run the demo with --keep-chain to keep it):";
  return [
    `Demo complete: a ${summary.threshold}-of-${summary.parties.length} FROST key generated and used, coordinated by the Roundtable contract.`,
    ...formatTable(rows, "  "),
    inspectNote,
    ...summary.inspect.map((command) => `  ${command}`),
  ];
}

/** "account 1 + delegate 3 per party in session 1; …", from the audit's count. */
function signaturesText(signatures: DemoSummary["audit"]["signatures"]): string {
  const sessions = [...new Set(signatures.map((s) => s.session))];
  return sessions
    .map((session) => {
      const rows = signatures.filter((s) => s.session === session);
      const shapes = [...new Set(rows.map((s) => `account ${s.account} + delegate ${s.delegate}`))];
      return `session ${session}: ${shapes.join(" / ")} per party`;
    })
    .join("; ");
}
