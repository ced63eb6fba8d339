// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title GasPriceGamingWallet (test only)
/// @notice A hostile contract wallet that tells simulations apart from inclusion: `eth_call` and `eth_estimateGas`
/// run at gas price 0, a mined transaction never does. Simulated, it answers as an honest wallet; mined, it burns
/// the whole allowance the caller gave it and answers nothing, so a relayer that trusts its simulation pays for it.
contract GasPriceGamingWallet is IERC1271 {
    address public immutable OWNER;

    constructor(address owner) {
        OWNER = owner;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (tx.gasprice != 0) {
            // Spin until the allowance is gone: the staticcall fails out of gas.
            uint256 spins = 0;
            while (true) ++spins;
        }
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
