// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Bip340
/// @notice Verification of BIP-340 Schnorr signatures on secp256k1
/// (https://github.com/bitcoin/bips/blob/master/bip-0340.mediawiki), for 32-byte messages. Gas: about 5,950
/// under Prague's prices, about 8,650 from Osaka on, where EIP-7883 triples the modexp that lifts r.
/// @dev BIP-340 accepts (r, s) under the x-only key px for message m iff, with P = lift_x(px) (even y) and
/// e = int(hash_BIP0340/challenge(bytes(r) || bytes(px) || m)) mod n, the point R = s·G − e·P is not infinity,
/// has even y and has x(R) = r. The EVM has no point arithmetic, but ecrecover(h, v, r', s') computes one
/// double-scalar multiplication and returns the address of r'⁻¹·(s'·R' − h·G), where R' is the point with
/// x = r' and y parity v − 27 (ECDSA public-key recovery: Q = r'⁻¹·(s'·R' − h·G)). With r' = px and v = 27,
/// R' is exactly lift_x(px) = P, and
///     r'⁻¹·(s'·P − h·G) = s·G − e·P   ⇔   s' = −e·px mod n  and  h = −s·px mod n,
/// so one ecrecover yields address(s·G − e·P). Separately, r has one point with even y, (r, y) with
/// y = (r³ + 7)^((p+1)/4) mod p (a square root because p ≡ 3 mod 4) or p − y, whose address is
/// keccak256(r || y)[12:]. The signature is valid iff the two addresses are equal.
///
/// What the comparison of addresses costs in security: ecrecover returns a 160-bit hash of the point, not the
/// point. A forger who fixes R (and so e) must find an s with address(s·G − e·P) = address(R) and
/// s·G − e·P ≠ R: a second preimage of a 160-bit hash, about 2^160 work, above the curve's 2^128.
///
/// Degenerate cases, each giving exactly BIP-340's verdict:
/// - P not on the curve: ecrecover finds no point with x = px and returns 0.
/// - R = s·G − e·P at infinity (the BIP's vectors 9 and 10): ecrecover returns 0, and 0 is no point's address
///   (an r whose point hashes to 0 is again a 160-bit preimage search), so it never equals address(r, y).
/// - s = 0 gives h = 0: ecrecover takes a zero hash like any other (libsecp256k1 and the EVM clients do).
/// - e = 0 would give s' = 0, which ecrecover rejects; then R = s·G alone, recovered with G as the base point
///   and px lifted separately. (e = 0 needs a SHA-256 output equal to 0 or n: no message is known to give it.)
/// - px in [n, p): ecrecover rejects r' ≥ n, so such keys are refused. About 2^-128 of all keys are there, and
///   finding the secret key of one is as hard as a discrete logarithm, so no signer can be turned away.
library Bip340 {
    /// @dev secp256k1's field prime and group order.
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @dev The generator's x; its y is even, so ecrecover with v = 27 takes G itself as the base point.
    uint256 private constant _GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;

    /// @dev (p + 1) / 4: x^((p+1)/4) is a square root of x whenever x has one, since p ≡ 3 mod 4.
    uint256 private constant _SQRT_EXPONENT = 0x3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFBFFFFF0C;

    /// @dev sha256("BIP0340/challenge"): BIP-340's tagged hash prefixes the data with it twice.
    bytes32 private constant _CHALLENGE_TAG = 0x7bb52d7a9fef58323eb1bf7a407db382d2f3f2d81bb1224f49fe518f6d48d37c;

    /// @notice Checks a BIP-340 signature of a 32-byte message.
    /// @dev Never reverts on any input; reverts only if a precompile runs out of gas (see {liftX}).
    /// @param px The x-only public key.
    /// @param rx The signature's first half, x(R).
    /// @param s The signature's second half.
    /// @param m The message.
    /// @return true iff (rx, s) is a valid BIP-340 signature of the 32-byte message `m` under the x-only key `px`.
    function verify(uint256 px, uint256 rx, uint256 s, bytes32 m) internal view returns (bool) {
        // s ≥ n must fail: the arithmetic below is mod n, where s + n would pass for s. px = 0 is no
        // x-coordinate (7 is not a square mod p); px ≥ n: see the library's notes. One comparison takes both
        // px = 0 and px ≥ n, as px − 1 wraps 0 around to 2^256 − 1.
        unchecked {
            if (px - 1 >= N - 1 || s >= N) return false;
        }
        (bool onCurve, uint256 ry) = liftX(rx);
        if (!onCurve) return false;
        uint256 e = _challenge(rx, px, m);
        address recovered;
        if (e != 0) {
            // (N - x) is −x mod n for x in [1, n), and N for x = 0, which mulmod reduces to 0.
            recovered = _ecrecover(mulmod(N - s, px, N), px, mulmod(N - e, px, N));
        } else {
            (bool keyOnCurve, ) = liftX(px);
            if (!keyOnCurve) return false;
            // R = s·G = _GX⁻¹·((s·_GX)·G − 0·G); s = 0 gives s' = 0, so ecrecover fails, as R at infinity must.
            recovered = _ecrecover(0, _GX, mulmod(s, _GX, N));
        }
        return _isAddressOf(recovered, rx, ry);
    }

    /// @notice BIP-340's lift_x: the point with x-coordinate `x` and even y, if there is one.
    /// @dev Reverts only if the modexp precompile fails, which it does only when out of gas: like Solidity's own
    /// precompile calls, and unlike returning false, so that a caller cannot be made to reject a valid signature
    /// by starving the call of gas.
    /// @return ok Whether x < p and x³ + 7 is a square mod p.
    /// @return y The even square root of x³ + 7 when `ok`; meaningless otherwise.
    function liftX(uint256 x) internal view returns (bool ok, uint256 y) {
        assembly ("memory-safe") {
            let c := addmod(mulmod(mulmod(x, x, P), x, P), 7, P)
            // modexp(base = c, exponent = (p+1)/4, modulus = p), all 32 bytes long, in the free memory.
            let f := mload(0x40)
            mstore(f, 0x20)
            mstore(add(f, 0x20), 0x20)
            mstore(add(f, 0x40), 0x20)
            mstore(add(f, 0x60), c)
            mstore(add(f, 0x80), _SQRT_EXPONENT)
            mstore(add(f, 0xa0), P)
            if iszero(staticcall(gas(), 0x05, f, 0xc0, 0x00, 0x20)) {
                revert(0, 0)
            }
            y := mload(0x00)
            // x ≥ p is no field element, even where x mod p would lift.
            ok := and(lt(x, P), eq(mulmod(y, y, P), c))
            // The roots are y and p − y, of opposite parity (p is odd); BIP-340 takes the even one.
            if and(y, 1) {
                y := sub(P, y)
            }
        }
    }

    /// @dev BIP-340's e: SHA-256(tag || tag || rx || px || m) mod n, tag = SHA-256("BIP0340/challenge").
    function _challenge(uint256 rx, uint256 px, bytes32 m) private view returns (uint256 e) {
        assembly ("memory-safe") {
            let f := mload(0x40)
            mstore(f, _CHALLENGE_TAG)
            mstore(add(f, 0x20), _CHALLENGE_TAG)
            mstore(add(f, 0x40), rx)
            mstore(add(f, 0x60), px)
            mstore(add(f, 0x80), m)
            if iszero(staticcall(gas(), 0x02, f, 0xa0, 0x00, 0x20)) {
                revert(0, 0)
            }
            e := mod(mload(0x00), N)
        }
    }

    /// @dev The address of r⁻¹·(sPrime·R' − h·G), R' = (r, even y); 0 when ecrecover finds no such point (r or
    /// sPrime out of [1, n), r not an x-coordinate, or the result at infinity).
    function _ecrecover(uint256 h, uint256 r, uint256 sPrime) private view returns (address q) {
        assembly ("memory-safe") {
            let f := mload(0x40)
            mstore(f, h)
            mstore(add(f, 0x20), 27)
            mstore(add(f, 0x40), r)
            mstore(add(f, 0x60), sPrime)
            if iszero(staticcall(gas(), 0x01, f, 0x80, 0x00, 0x20)) {
                revert(0, 0)
            }
            // On failure ecrecover returns no data and leaves the output buffer as it was.
            q := mul(mload(0x00), eq(returndatasize(), 0x20))
        }
    }

    /// @dev Whether `a` is the address of (x, y), the last 20 bytes of keccak256(x || y). The 0 that ecrecover
    /// returns on failure is no point's address: that would take a keccak256 preimage.
    function _isAddressOf(address a, uint256 x, uint256 y) private pure returns (bool yes) {
        assembly ("memory-safe") {
            mstore(0x00, x)
            mstore(0x20, y)
            yes := eq(a, and(keccak256(0x00, 0x40), 0xffffffffffffffffffffffffffffffffffffffff))
        }
    }
}
