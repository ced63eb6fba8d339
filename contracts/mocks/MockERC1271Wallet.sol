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
        uint256 start = gasleft();
        // A busy loop stands in for the work of a heavier wallet; it runs out of gas if given too little.
        uint256 spins = 0;
        while (start - gasleft() < VERIFICATION_GAS) ++spins;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
