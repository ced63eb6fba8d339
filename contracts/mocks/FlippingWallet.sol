// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title FlippingWallet (test only)
/// @notice A hostile contract wallet whose answer one cheap transaction flips: it reads only its own storage, so a
/// traced check passes it, but after {flip} every signature check burns the whole allowance and fails. It stands for
/// the wallet that a relayer can only catch at inclusion, and must then make pay with its reputation.
contract FlippingWallet is IERC1271 {
    address public immutable OWNER;
    bool public refusing;

    error FlippingWalletNotOwner(address sender);

    constructor(address owner) {
        OWNER = owner;
    }

    /// @notice Switches between answering honestly and burning the allowance; only the owner may.
    function flip(bool refusing_) external {
        if (msg.sender != OWNER) revert FlippingWalletNotOwner(msg.sender);
        refusing = refusing_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (refusing) {
            uint256 spins = 0;
            while (true) ++spins;
        }
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
