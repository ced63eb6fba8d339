import { type Address, encodePacked, type Hash, hashTypedData, keccak256 } from "viem";
import { actionTypedData, roundtableDomain } from "./eip712.js";
import type { UnsignedAction } from "./types.js";

/** The EIP-712 digest a party signs for `action` (what the contract's `digestOf` returns). */
export function actionDigest({
  chainId,
  contract,
  action,
}: {
  chainId: number;
  contract: Address;
  action: UnsignedAction;
}): Hash {
  return hashTypedData(actionTypedData(roundtableDomain(chainId, contract), action));
}

/**
 * An action's id at a relayer (`POST /v1/actions` answers it, `GET /v1/actions/:id` takes it):
 * keccak256(digest ‖ uint8 party). The digest alone does not name the party (the typed data has
 * no party field), and two parties may sign the very same message, such as the same agreement
 * payload, so the party index is part of the id. Relayer and party compute it alike, so a party
 * can check the id a relayer gives.
 *
 * @example
 * const id = relayerActionId({ digest: actionDigest({ chainId, contract, action }), party: action.party });
 */
export function relayerActionId({ digest, party }: { digest: Hash; party: number }): Hash {
  return keccak256(encodePacked(["bytes32", "uint8"], [digest, party]));
}
