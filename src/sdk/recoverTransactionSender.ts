import {
  type Address,
  getAddress,
  recoverTransactionAddress,
  type Signature,
  serializeTransaction,
  type Transaction,
  type TransactionSerializable,
} from "viem";

/**
 * The account that signed `tx`, recovered from the transaction's own signature (r, s, yParity or
 * v) over its re-serialized fields, not read from the `from` field an RPC provider reports. A
 * provider can write any `from`; it cannot sign as an account it does not hold. Returns undefined
 * when the transaction cannot be re-serialized or its signature does not recover (then the
 * provider's answer is not evidence of anything).
 *
 * @example
 * const tx = await publicClient.getTransaction({ hash });
 * const sender = recoverTransactionSender(tx);
 * if (sender === undefined || !isAddressEqual(sender, party)) throw new Error("forged transaction");
 */
export async function recoverTransactionSender(tx: Transaction): Promise<Address | undefined> {
  const fields = serializableFields(tx);
  if (fields === undefined || tx.r === undefined || tx.s === undefined) return undefined;
  const signature: Signature =
    tx.type === "legacy" || tx.yParity === undefined
      ? { r: tx.r, s: tx.s, v: tx.v ?? 0n }
      : { r: tx.r, s: tx.s, yParity: tx.yParity };
  try {
    const serializedTransaction = serializeTransaction(fields, signature);
    return getAddress(await recoverTransactionAddress({ serializedTransaction }));
  } catch {
    return undefined;
  }
}

/** The signed fields of each transaction type viem serializes (EIP-155 legacy, 2930, 1559, 7702). */
function serializableFields(tx: Transaction): TransactionSerializable | undefined {
  const base = {
    to: tx.to ?? null,
    nonce: tx.nonce,
    gas: tx.gas,
    value: tx.value,
    data: tx.input,
  };
  switch (tx.type) {
    case "legacy":
      return {
        ...base,
        type: "legacy",
        gasPrice: tx.gasPrice,
        ...(tx.chainId === undefined ? {} : { chainId: tx.chainId }),
      };
    case "eip2930":
      return {
        ...base,
        type: "eip2930",
        chainId: tx.chainId,
        gasPrice: tx.gasPrice,
        accessList: tx.accessList,
      };
    case "eip1559":
      return {
        ...base,
        type: "eip1559",
        chainId: tx.chainId,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        accessList: tx.accessList,
      };
    case "eip7702":
      return {
        ...base,
        type: "eip7702",
        chainId: tx.chainId,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        accessList: tx.accessList,
        authorizationList: tx.authorizationList,
      };
    default:
      return undefined;
  }
}
