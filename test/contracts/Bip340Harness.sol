// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Bip340} from "../../contracts/Bip340.sol";

/// @notice Exposes {Bip340} to the TypeScript tests, which cannot call a library's internal functions.
contract Bip340Harness {
    function verify(uint256 px, uint256 rx, uint256 s, bytes32 m) external view returns (bool) {
        return Bip340.verify(px, rx, s, m);
    }

    /// @return valid The verdict of {Bip340.verify}.
    /// @return gasUsed The gas the verification itself took, without the call and ABI decoding around it.
    function verifyGas(
        uint256 px,
        uint256 rx,
        uint256 s,
        bytes32 m
    ) external view returns (bool valid, uint256 gasUsed) {
        uint256 before = gasleft();
        valid = Bip340.verify(px, rx, s, m);
        gasUsed = before - gasleft();
    }

    function liftX(uint256 x) external view returns (bool ok, uint256 y) {
        return Bip340.liftX(x);
    }
}
