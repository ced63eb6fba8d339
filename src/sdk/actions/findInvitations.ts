import { type Address, encodeEventTopics, type Hash, type Hex } from "viem";
import { type RoundtableErrorType, toRoundtableError } from "../errors.js";
import { roundtableAbi } from "../generated/roundtableAbi.js";
import { defaultLogPageSize } from "./getSessionEvents.js";
import {
  assertAddress,
  decodeRoundtableLogs,
  getLogsPaged,
  indexedTopic,
  type RoundtablePublicClient,
} from "./internal.js";

export type FindInvitationsParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  /** The account whose invitations to find. */
  party: Address;
  /** First block to scan; pass the contract's deployment block on a long chain. @default 0n */
  fromBlock?: bigint | undefined;
  /** Last block to scan, inclusive. @default the latest block */
  toBlock?: bigint | undefined;
  /** Most blocks per `eth_getLogs` request. @default 5000n */
  pageSize?: bigint | undefined;
};

/** One session that invites the account, and the account's party index in it. */
export type Invitation = {
  sessionId: bigint;
  index: number;
  blockNumber: bigint;
  transactionHash: Hash;
};

export type FindInvitationsReturnType = Invitation[];

export type FindInvitationsErrorType = RoundtableErrorType;

const [partyInvitedTopic] = encodeEventTopics({ abi: roundtableAbi, eventName: "PartyInvited" });

/**
 * The sessions that invite `party`, oldest first, found by filtering
 * `PartyInvited` on its indexed party topic. Closed sessions are included:
 * read each with `readSession` to see what it needs.
 *
 * @example
 * for (const { sessionId, index } of await findInvitations({ publicClient, address, party: account.address })) {
 *   console.log(`session ${sessionId}: I am party ${index}`);
 * }
 */
export async function findInvitations({
  publicClient,
  address,
  party,
  fromBlock = 0n,
  toBlock,
  pageSize = defaultLogPageSize,
}: FindInvitationsParameters): Promise<FindInvitationsReturnType> {
  try {
    assertAddress(address, "address");
    assertAddress(party, "party");
    const { logs } = await getLogsPaged({
      publicClient,
      address,
      topics: [partyInvitedTopic as Hex, null, indexedTopic(party)],
      fromBlock,
      toBlock,
      pageSize,
    });
    const invitations: Invitation[] = [];
    for (const event of decodeRoundtableLogs(logs)) {
      if (event.eventName !== "PartyInvited") continue;
      invitations.push({
        sessionId: event.args.sessionId,
        index: event.args.index,
        blockNumber: event.blockNumber,
        transactionHash: event.transactionHash,
      });
    }
    return invitations;
  } catch (err) {
    throw toRoundtableError(err);
  }
}
