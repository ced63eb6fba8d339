// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title CostlyFlippingWallet (test only)
/// @notice A hostile contract wallet whose honest check is expensive (a busy loop of `VERIFICATION_GAS`, like a
/// passkey wallet verifying P-256 in Solidity), so that a relayer's trace earns it a large allowance, and whose owner
/// then flips it with one cheap transaction so that every check burns all it is given. It reads only its own
/// storage and never GAS, so a traced check passes it.
contract CostlyFlippingWallet is IERC1271 {
    address public immutable OWNER;
    uint256 public immutable VERIFICATION_GAS;
    /// @dev About what one round of the busy loop costs, as in MockERC1271Wallet.
    uint256 private constant GAS_PER_ROUND = 150;
    bool public refusing;

    error CostlyFlippingWalletNotOwner(address sender);

    constructor(address owner, uint256 verificationGas) {
        OWNER = owner;
        VERIFICATION_GAS = verificationGas;
    }

    /// @notice Switches between answering honestly and burning the allowance; only the owner may.
    function flip(bool refusing_) external {
        if (msg.sender != OWNER) revert CostlyFlippingWalletNotOwner(msg.sender);
        refusing = refusing_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (refusing) {
            uint256 spins = 0;
            while (true) ++spins;
        }
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
