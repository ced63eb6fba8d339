import type { Address, Hex } from "viem";
import {
  RoundtableError,
  type RoundtableErrorType,
  RoundtableInputError,
  toRoundtableError,
} from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import type { SessionConfig } from "../types.js";
import {
  assertAddress,
  assertWalletAccount,
  formatInputValue,
  type RoundtablePublicClient,
  type RoundtableReceipt,
  type RoundtableWalletClient,
  waitForRoundtableReceipt,
  writeWithHeadroom,
} from "./internal.js";

/** The contract's `MAX_PARTIES`. */
const maxParties = 255;

export type CreateSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** The initiator's wallet; it pays for creation and alone may cancel before the start. */
  walletClient: RoundtableWalletClient;
  /** The Roundtable contract. */
  address: Address;
  config: SessionConfig;
};

export type CreateSessionReturnType = RoundtableReceipt & {
  sessionId: bigint;
  configHash: Hex;
  /** Unix seconds after which the session can be expired if not every party accepted. */
  acceptanceDeadline: number;
};

export type CreateSessionErrorType = RoundtableErrorType;

/**
 * Creates a session. Checks the parties and the threshold first, then
 * simulates (so a contract error costs no gas), sends, waits for the receipt
 * and reads the id and hash from the `SessionCreated` event.
 *
 * @example
 * const parties = accounts.map((a) => a.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
 * const { sessionId, configHash } = await createSession({
 *   publicClient, walletClient, address,
 *   config: { kind: SessionKind.KeyGeneration, protocol, ciphersuite, parties, threshold: 2,
 *     rounds: [{ duration: 600, commitReveal: true }, { duration: 600, commitReveal: false }],
 *     acceptanceDuration: 3600, keySession: 0n, message: zeroHash, params: "0x" },
 * });
 */
export async function createSession({
  publicClient,
  walletClient,
  address,
  config,
}: CreateSessionParameters): Promise<CreateSessionReturnType> {
  try {
    assertAddress(address, "address");
    assertWalletAccount(walletClient);
    assertSessionConfig(config);
    const { request } = await publicClient.simulateContract({
      address,
      abi: roundtableAbi,
      functionName: "createSession",
      args: [config],
      account: walletClient.account,
    });
    const hash = await writeWithHeadroom(publicClient, walletClient, request);
    const receipt = await waitForRoundtableReceipt(publicClient, address, hash);
    const created = receipt.events.find((event) => event.eventName === "SessionCreated");
    if (created?.eventName !== "SessionCreated") {
      throw new RoundtableError({
        shortMessage: `Transaction ${hash} succeeded but emitted no SessionCreated event from ${address}. Check that the address is a Roundtable contract.`,
      });
    }
    return {
      ...receipt,
      sessionId: created.args.sessionId,
      configHash: created.args.configHash,
      acceptanceDeadline: created.args.acceptanceDeadline,
    };
  } catch (err) {
    throw toRoundtableError(err);
  }
}

/**
 * The checks the contract makes on parties and threshold, made before
 * anything is sent so that the message can say how to fix the input.
 */
function assertSessionConfig(config: SessionConfig): void {
  const { parties, threshold } = config;
  if (!Array.isArray(parties) || parties.length < 2 || parties.length > maxParties) {
    throw new RoundtableInputError({
      parameter: "config.parties",
      shortMessage: `Invalid config.parties: ${Array.isArray(parties) ? `${parties.length} parties` : formatInputValue(parties)}. Expected 2 to ${maxParties} party addresses (a threshold session needs at least two).`,
    });
  }
  let previous = 0n;
  parties.forEach((party, i) => {
    assertAddress(party, `config.parties[${i}]`);
    const value = BigInt(party);
    if (value === 0n) {
      throw new RoundtableInputError({
        parameter: `config.parties[${i}]`,
        shortMessage: `Invalid config.parties[${i}] ${formatInputValue(party)}: the zero address cannot be a party.`,
      });
    }
    if (value <= previous) {
      const problem =
        value === previous
          ? `is a duplicate of config.parties[${i - 1}]`
          : `is lower than config.parties[${i - 1}] (${parties[i - 1]})`;
      throw new RoundtableInputError({
        parameter: `config.parties[${i}]`,
        shortMessage: `Invalid config.parties[${i}] ${formatInputValue(party)}: it ${problem}. Parties must be unique and in strictly increasing address order: sort them with parties.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) and remove duplicates. A party's index is its position in the sorted list.`,
      });
    }
    previous = value;
  });
  if (
    typeof threshold !== "number" ||
    !Number.isInteger(threshold) ||
    threshold < 2 ||
    threshold > parties.length
  ) {
    throw new RoundtableInputError({
      parameter: "config.threshold",
      shortMessage: `Invalid config.threshold ${formatInputValue(threshold)}: expected an integer from 2 to ${parties.length} (the number of parties; with 1, any single party would hold the whole key).`,
    });
  }
}
