// `party run --delegate`: the acceptance signed away from the runner. The export is the
// eth_signTypedData_v4 JSON (what `cast wallet sign --data`, a hardware wallet or a Safe app
// takes) with the three hashes a signer compares on its device's screen; the signature comes back
// as hex or a file, and the runner checks it against the account (ECDSA or ERC-1271) before use.

import { readFile, writeFile } from "node:fs/promises";
import { type Address, getTypesForEIP712Domain, type Hex } from "viem";
import type { AcceptanceSigningRequest } from "../../../party/runParty.js";
import type { OptionSpecs } from "../../command.js";
import { ExitCode, UsageError } from "../../errors.js";
import type { Logger, Output } from "../../output.js";
import { parseAddress } from "../../parse.js";

/** The `party run` options of delegates and of the acceptance signed elsewhere. */
export const delegateOptions = {
  delegate: {
    type: "boolean",
    description:
      "sign every action after the acceptance with a session delegate key kept in --store: the account signs once per session",
  },
  "party-account": {
    type: "string",
    valueName: "0x…",
    description:
      "the party's account when no key file holds it (a Safe, a hardware wallet): with --export-acceptance or --acceptance-signature",
  },
  "export-acceptance": {
    type: "string",
    valueName: "FILE",
    description:
      "with --delegate: write the acceptance's EIP-712 typed data and its three hashes to FILE (- for stdout) for signing elsewhere, and stop",
  },
  "acceptance-signature": {
    type: "string",
    valueName: "0x…|@FILE",
    description:
      "with --delegate: the account's signature over that acceptance (ECDSA, or its ERC-1271 wallet's, such as a Safe's); checked before it is sent",
  },
} as const satisfies OptionSpecs;

/** What the delegate options ask for. */
export type Delegation = {
  delegated: boolean;
  partyAccount: Address | undefined;
  exportFile: string | undefined;
  signature: Hex | undefined;
};

/** Reads and cross-checks the delegate options; each misuse is a usage error saying what to add. */
export async function parseDelegation(values: {
  delegate?: boolean | undefined;
  "party-account"?: string | undefined;
  "export-acceptance"?: string | undefined;
  "acceptance-signature"?: string | undefined;
}): Promise<Delegation> {
  const exportFile = values["export-acceptance"];
  const signatureValue = values["acceptance-signature"];
  const away = exportFile !== undefined || signatureValue !== undefined;
  if (away && values.delegate !== true) {
    const flag = exportFile !== undefined ? "--export-acceptance" : "--acceptance-signature";
    throw new UsageError(
      `${flag} signs an acceptance that names a session delegate: add --delegate.`,
      flag,
    );
  }
  if (exportFile !== undefined && signatureValue !== undefined) {
    throw new UsageError(
      "--export-acceptance and --acceptance-signature are two runs: export first, sign elsewhere, then run again with --acceptance-signature only (same --store).",
      "--acceptance-signature",
    );
  }
  const partyAccount =
    values["party-account"] === undefined
      ? undefined
      : parseAddress(values["party-account"], "--party-account");
  if (partyAccount !== undefined && !away) {
    throw new UsageError(
      "--party-account names an account the runner holds no key of: its acceptance must be signed elsewhere. Add --delegate and --export-acceptance FILE (then --acceptance-signature), or use --key-file.",
      "--party-account",
    );
  }
  return {
    delegated: values.delegate === true,
    partyAccount,
    exportFile,
    signature:
      signatureValue === undefined ? undefined : await parseAcceptanceSignature(signatureValue),
  };
}

/**
 * The runner's `signAcceptance`: export (and stop), or hand back the given signature, or
 * undefined for the key file's own signature.
 */
export function acceptanceSigner(
  delegation: Delegation,
  { log, stdout }: { log: Logger; stdout: NodeJS.WritableStream },
): ((request: AcceptanceSigningRequest) => Promise<Hex>) | undefined {
  const { exportFile, signature } = delegation;
  if (exportFile !== undefined) {
    return async (request) => {
      await writeAcceptanceExport(exportFile, request, stdout);
      throw new AcceptanceExported(request);
    };
  }
  if (signature !== undefined) {
    return async (request) => {
      log.info(["Acceptance signed elsewhere, for:", ...acceptanceHashLines(request)].join("\n"));
      return signature;
    };
  }
  return undefined;
}

/** The result of an export run: what to sign, and the command that goes on. */
export function acceptanceExportedResult(
  exported: AcceptanceExported,
  delegation: Delegation,
  output: Output,
): ExitCode {
  const { request } = exported;
  const file = delegation.exportFile === "-" ? "stdout" : delegation.exportFile;
  output.result(
    [
      `Acceptance of session ${request.sessionId} exported to ${file}; nothing was sent. Check these on the signer's screen:`,
      ...acceptanceHashLines(request),
      `Sign the digest with account ${request.account} (ECDSA typed-data signature, or the Safe's owners' approval), then run the same command with --acceptance-signature 0x… (or @FILE) instead of --export-acceptance, with the same --store.`,
    ],
    {
      sessionId: request.sessionId,
      status: "exported",
      ...(delegation.exportFile === "-" ? {} : { file: delegation.exportFile }),
      account: request.account,
      delegate: request.delegate,
      domainSeparator: request.domainSeparator,
      structHash: request.structHash,
      digest: request.digest,
    },
  );
  return ExitCode.Success;
}

/** Thrown by the exporting `signAcceptance`: the run stops there, having sent nothing. */
export class AcceptanceExported extends Error {
  override name = "AcceptanceExported";
  constructor(readonly request: AcceptanceSigningRequest) {
    super("acceptance exported for signing elsewhere");
  }
}

/** The export: typed data as eth_signTypedData_v4 takes it, with its hashes and what it binds. */
export function acceptanceExportJson(request: AcceptanceSigningRequest): Record<string, unknown> {
  const { typedData } = request;
  return {
    sessionId: request.sessionId.toString(),
    chainId: typedData.domain.chainId,
    contract: typedData.domain.verifyingContract,
    party: request.party,
    account: request.account,
    delegate: request.delegate,
    sessionFingerprint: request.summary.sessionFingerprint,
    domainSeparator: request.domainSeparator,
    structHash: request.structHash,
    digest: request.digest,
    typedData: {
      types: {
        EIP712Domain: getTypesForEIP712Domain({ domain: typedData.domain }),
        ...typedData.types,
      },
      primaryType: typedData.primaryType,
      domain: typedData.domain,
      message: { ...typedData.message, sessionId: typedData.message.sessionId.toString() },
    },
  };
}

/** The lines shown when exporting or checking an acceptance: what the signer's screen must show. */
export function acceptanceHashLines(request: AcceptanceSigningRequest): string[] {
  return [
    `  account           ${request.account} (party ${request.party})`,
    `  delegate          ${request.delegate} (its key is in --store; it signs every later action)`,
    `  domain separator  ${request.domainSeparator}`,
    `  struct hash       ${request.structHash} (Accept)`,
    `  digest            ${request.digest} (what the account signs)`,
  ];
}

/** Writes the export to `file`, or to stdout for "-". */
export async function writeAcceptanceExport(
  file: string,
  request: AcceptanceSigningRequest,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const text = `${JSON.stringify(acceptanceExportJson(request), null, 2)}\n`;
  if (file === "-") stdout.write(text);
  else await writeFile(file, text, { mode: 0o644 });
}

/**
 * `--acceptance-signature`: hex, or `@FILE` holding hex (an ECDSA signature is 65 bytes; a Safe's
 * or another wallet's ERC-1271 signature may be longer). Whether it is the account's is checked
 * on the chain by the runner, before anything is sent.
 */
export async function parseAcceptanceSignature(value: string): Promise<Hex> {
  let text = value;
  if (value.startsWith("@")) {
    const path = value.slice(1);
    try {
      text = (await readFile(path, "utf8")).trim();
    } catch (error) {
      throw new UsageError(
        `Cannot read --acceptance-signature file ${JSON.stringify(path)}: ${(error as Error).message}. Give the signature as 0x… or @FILE.`,
        "--acceptance-signature",
      );
    }
  }
  if (!/^0x(?:[0-9a-fA-F]{2}){65,}$/.test(text)) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
    throw new UsageError(
      `Invalid --acceptance-signature ${JSON.stringify(shown)}: expected 0x and at least 65 bytes in hex (an ECDSA signature, or a contract wallet's such as a Safe's), or @FILE holding one.`,
      "--acceptance-signature",
    );
  }
  return text.toLowerCase() as Hex;
}
