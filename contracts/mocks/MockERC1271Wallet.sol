// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet (test only)
/// @notice A contract wallet owned by one EOA, standing in for a Safe: a signature is valid when it is the owner's
/// ECDSA signature over the digest, and the owner sends the wallet's own transactions through {execute}.
/// @dev `verificationGas` makes {isValidSignature} spend about that much gas before it answers, like a multisig
/// that checks several owners, so tests can show what a relayer that under-gasses a batch can do to it.
contract MockERC1271Wallet is IERC1271 {
    address public immutable OWNER;
    uint256 public immutable VERIFICATION_GAS;
    /// @dev About what one round of the busy loop costs (measured), so that it burns about VERIFICATION_GAS.
    uint256 private constant GAS_PER_ROUND = 150;

    error MockWalletNotOwner(address sender);

    constructor(address owner, uint256 verificationGas) {
        OWNER = owner;
        VERIFICATION_GAS = verificationGas;
    }

    /// @notice Calls `target` with `data` as this wallet; only the owner may. Reverts bubble up unchanged.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != OWNER) revert MockWalletNotOwner(msg.sender);
        bool success;
        // solhint-disable-next-line avoid-low-level-calls
        (success, result) = target.call(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        // A busy loop stands in for the work of a heavier wallet; it runs out of gas if given too little. It counts
        // rounds instead of reading gasleft(), so that its answer does not depend on the gas it was given: a relayer
        // that traces ERC-1271 checks (ERC-7562's rules) refuses a wallet that reads GAS other than for a call.
        bytes32 spin = hash;
        for (uint256 i = VERIFICATION_GAS / GAS_PER_ROUND; i > 0; --i) {
            assembly ("memory-safe") {
                mstore(0x00, spin)
                spin := keccak256(0x00, 0x20)
            }
        }
        if (spin == bytes32(0)) return bytes4(0);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
