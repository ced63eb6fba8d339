import { type Address, encodeEventTopics, type Hash, type Hex } from "viem";
import { RoundtableError, type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import { hashSessionConfig } from "../hashSessionConfig.js";
import { Phase, phaseName, type SessionConfig, type SessionState } from "../types.js";
import { defaultLogPageSize } from "./getSessionEvents.js";
import {
  assertAddress,
  assertSessionId,
  bitmapToIndexes,
  decodeRoundtableLogs,
  getLogsPaged,
  indexedTopic,
  type RoundtablePublicClient,
} from "./internal.js";

export type ReadSessionParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** First block to search for the session's events. @default the session's creation block (`creationBlockOf`) */
  fromBlock?: bigint | undefined;
  /** Most blocks per `eth_getLogs` request. @default 5000n */
  pageSize?: bigint | undefined;
};

export type ReadSessionReturnType = {
  sessionId: bigint;
  /** The block every value below was read at. */
  blockNumber: bigint;
  initiator: Address;
  /** The whole configuration, from the `SessionCreated` event, checked against the stored hash. */
  config: SessionConfig;
  configHash: Hex;
  createdAt: { blockNumber: bigint; transactionHash: Hash };
  /** Phase, round, deadline and who has acted, at `blockNumber`. */
  state: SessionState;
  /** The name of `state.phase`, such as "Committing". */
  phase: string;
  parties: readonly Address[];
  threshold: number;
  /** The running transcript hash over every accepted action. */
  transcript: Hex;
  /** The agreed result, once finalized. */
  result: Hex | undefined;
  /** Each party's registered encryption key, by party index; undefined until it accepts. */
  encryptionKeys: (Hex | undefined)[];
  /** Why the session aborted and whom the expiry blamed, once aborted. */
  abort: { reason: number; blame: number[] } | undefined;
};

export type ReadSessionErrorType = RoundtableErrorType;

const [sessionCreatedTopic, partyAcceptedTopic, sessionAbortedTopic] = (
  ["SessionCreated", "PartyAccepted", "SessionAborted"] as const
).map((eventName) => encodeEventTopics({ abi: roundtableAbi, eventName })[0]);

/**
 * Everything a party, CLI or auditor needs about one session, read at one
 * block: the configuration (from `SessionCreated`, checked against the stored
 * hash so a lying RPC node is caught), state, parties, threshold, transcript,
 * the result once finalized, and the encryption keys parties registered.
 *
 * @example
 * const session = await readSession({ publicClient, address, sessionId: 7n, fromBlock: deploymentBlock });
 * console.log(session.phase, session.state.round, session.config.threshold);
 */
export async function readSession({
  publicClient,
  address,
  sessionId,
  fromBlock: requestedFromBlock,
  pageSize = defaultLogPageSize,
}: ReadSessionParameters): Promise<ReadSessionReturnType> {
  try {
    assertAddress(address, "address");
    assertSessionId(sessionId);
    const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
    const read = { address, abi: roundtableAbi, blockNumber } as const;
    // sessionState first: it reverts with RoundtableUnknownSession before any log scan.
    const state = await publicClient.readContract({
      ...read,
      functionName: "sessionState",
      args: [sessionId],
    });
    const fromBlock =
      requestedFromBlock ??
      (await publicClient.readContract({
        ...read,
        functionName: "creationBlockOf",
        args: [sessionId],
      }));
    const [parties, threshold, transcript, configHash, initiator, { logs }] = await Promise.all([
      publicClient.readContract({ ...read, functionName: "partiesOf", args: [sessionId] }),
      publicClient.readContract({ ...read, functionName: "thresholdOf", args: [sessionId] }),
      publicClient.readContract({ ...read, functionName: "transcriptOf", args: [sessionId] }),
      publicClient.readContract({ ...read, functionName: "configHashOf", args: [sessionId] }),
      publicClient.readContract({ ...read, functionName: "initiatorOf", args: [sessionId] }),
      getLogsPaged({
        publicClient,
        address,
        topics: [
          [sessionCreatedTopic, partyAcceptedTopic, sessionAbortedTopic] as Hex[],
          indexedTopic(sessionId),
        ],
        fromBlock,
        toBlock: blockNumber,
        pageSize,
      }),
    ]);
    const result =
      state.phase === Phase.Finalized
        ? await publicClient.readContract({ ...read, functionName: "resultOf", args: [sessionId] })
        : undefined;

    let created:
      | { config: SessionConfig; configHash: Hex; blockNumber: bigint; transactionHash: Hash }
      | undefined;
    const encryptionKeys: (Hex | undefined)[] = parties.map(() => undefined);
    let abort: ReadSessionReturnType["abort"];
    for (const event of decodeRoundtableLogs(logs)) {
      if (event.eventName === "SessionCreated") {
        const { config, configHash: eventHash } = event.args;
        created = {
          config,
          configHash: eventHash,
          blockNumber: event.blockNumber,
          transactionHash: event.transactionHash,
        };
      } else if (event.eventName === "PartyAccepted") {
        encryptionKeys[event.args.index] = event.args.encryptionKey;
      } else if (event.eventName === "SessionAborted") {
        abort = { reason: event.args.reason, blame: bitmapToIndexes(event.args.blame) };
      }
    }
    if (!created) {
      throw new RoundtableError({
        shortMessage: `Session ${sessionId} exists, but no SessionCreated event for it was found between blocks ${fromBlock} and ${blockNumber}. Pass a fromBlock at or before the block that created it (the contract's deployment block is always safe).`,
      });
    }
    const computed = hashSessionConfig(created.config);
    if (computed !== configHash || created.configHash !== configHash) {
      throw new RoundtableError({
        shortMessage: `Session ${sessionId}'s SessionCreated event does not match the contract: the event's configuration hashes to ${computed} (event field ${created.configHash}), but the contract stores ${configHash}. The RPC node returned a wrong or forged log: do not trust this configuration, and use another node.`,
      });
    }
    return {
      sessionId,
      blockNumber,
      initiator,
      config: created.config,
      configHash,
      createdAt: { blockNumber: created.blockNumber, transactionHash: created.transactionHash },
      state,
      phase: phaseName(state.phase),
      parties,
      threshold,
      transcript,
      result,
      encryptionKeys,
      abort,
    };
  } catch (err) {
    throw toRoundtableError(err);
  }
}
