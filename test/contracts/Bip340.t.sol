// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Bip340} from "../../contracts/Bip340.sol";
import {Vm} from "./Vm.sol";

/// @notice The cheatcode that replaces a call's result, kept apart from {Vm}, which lists what the Roundtable
/// tests use. Here it stands in for the SHA-256 precompile, to reach challenges no message is known to give.
// solhint-disable-next-line interface-starts-with-i
interface VmMock {
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
}

/// @notice {Bip340.verify}: the BIP-340 vectors with 32-byte messages verify, and no single-field mutation of
/// them does; arbitrary inputs never revert; the challenge values ecrecover cannot take (e = 0) and the signature
/// that makes its hash zero (s = 0) get BIP-340's verdict. The TypeScript tests (test/contracts-ts/bip340.test.ts)
/// add every CSV row, random signatures from noble-curves and the range edges.
contract Bip340Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    VmMock internal constant mocker = VmMock(address(uint160(uint256(keccak256("hevm cheat code")))));

    address internal constant SHA256_PRECOMPILE = address(0x02);
    bytes32 internal constant CHALLENGE_TAG = sha256("BIP0340/challenge");
    uint256 internal constant GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;

    struct Vector {
        uint256 px;
        uint256 rx;
        uint256 s;
        bytes32 m;
    }

    /// @dev Rows 0 to 4 of test/vectors/bip340-test-vectors.csv: every valid row with a 32-byte message.
    function _vectors() internal pure returns (Vector[5] memory) {
        return
            [
                Vector(
                    0xF9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9,
                    0xE907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215,
                    0x25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0,
                    0x0000000000000000000000000000000000000000000000000000000000000000
                ),
                Vector(
                    0xDFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659,
                    0x6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341,
                    0x8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A,
                    0x243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89
                ),
                Vector(
                    0xDD308AFEC5777E13121FA72B9CC1B7CC0139715309B086C960E18FD969774EB8,
                    0x5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1B,
                    0xAB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7,
                    0x7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C
                ),
                Vector(
                    0x25D1DFF95105F5253C4022F628A996AD3A0D95FBF21D468A1B33F8C160D8F517,
                    0x7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC,
                    0x97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3,
                    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
                ),
                Vector(
                    0xD69C3509BB99E412E68B0FE8544E72837DFA30746D8BE2AA65975F29D22DC7B9,
                    0x00000000000000000000003B78CE563F89A0ED9414F5AA28AD0D96D6795F9C63,
                    0x76AFB1548AF603B3EB45C9F8207DEE1060CB71C04E80F593060B07D28308D7F4,
                    0x4DF3C3F68FCC83B27E9D42C90431A72499F17875C81A599B566C9889B9696703
                )
            ];
    }

    /// @dev Makes the challenge hash of (rx, px, m) return `digest`.
    function _mockChallenge(uint256 rx, uint256 px, bytes32 m, bytes32 digest) internal {
        mocker.mockCall(
            SHA256_PRECOMPILE,
            abi.encodePacked(CHALLENGE_TAG, CHALLENGE_TAG, rx, px, m),
            abi.encodePacked(digest)
        );
    }

    // ───────────────────────────────────────────────────── valid vectors

    function test_validVectorsVerify() public view {
        Vector[5] memory vectors = _vectors();
        for (uint256 i = 0; i < vectors.length; ++i) {
            Vector memory v = vectors[i];
            vm.assertTrue(Bip340.verify(v.px, v.rx, v.s, v.m), "CSV row verifies");
        }
    }

    // ──────────────────────────────────────────────────────── mutations

    /// @dev One of px, rx, s or m of a valid vector, xored with a nonzero value: a different (key, signature,
    /// message) triple, which BIP-340 accepts only for a forgery.
    function testFuzz_mutatedVectorNeverVerifies(uint8 row, uint8 field, uint256 delta) public view {
        vm.assume(delta != 0);
        Vector memory v = _vectors()[row % 5];
        field %= 4;
        if (field == 0) v.px ^= delta;
        else if (field == 1) v.rx ^= delta;
        else if (field == 2) v.s ^= delta;
        else v.m ^= bytes32(delta);
        vm.assertFalse(Bip340.verify(v.px, v.rx, v.s, v.m), "mutated vector rejected");
    }

    /// @dev Any four words are answered with a verdict: a revert here fails the test.
    function testFuzz_arbitraryInputsGetAVerdict(uint256 px, uint256 rx, uint256 s, bytes32 m) public view {
        vm.assertFalse(Bip340.verify(px, rx, s, m), "random words are no signature");
    }

    // ─────────────────────────────────────────── challenges ecrecover cannot take

    /// @dev With e = 0, R = s·G: s = 1 and R = G is then a valid signature under any key that lifts. The
    /// challenge hash is replaced by 0 and by n, both 0 mod n.
    function test_zeroChallengeVerifiesSG() public {
        Vector memory v = _vectors()[1];
        _mockChallenge(GX, v.px, v.m, 0);
        vm.assertTrue(Bip340.verify(v.px, GX, 1, v.m), "e = 0: R = G verifies");
        _mockChallenge(GX, v.px, v.m, bytes32(Bip340.N));
        vm.assertTrue(Bip340.verify(v.px, GX, 1, v.m), "e = n: R = G verifies");
    }

    function test_zeroChallengeRejectsAWrongS() public {
        Vector memory v = _vectors()[1];
        _mockChallenge(GX, v.px, v.m, 0);
        vm.assertFalse(Bip340.verify(v.px, GX, 2, v.m), "e = 0: R = 2G is not G");
    }

    /// @dev s = 0 with e = 0 puts R at infinity, which no rx names.
    function test_zeroChallengeAndZeroSRejected() public {
        Vector memory v = _vectors()[1];
        _mockChallenge(GX, v.px, v.m, 0);
        vm.assertFalse(Bip340.verify(v.px, GX, 0, v.m), "e = 0, s = 0: R at infinity");
    }

    /// @dev The e = 0 path does not use ecrecover on px, so it must lift px itself: x = 5 is not on the curve.
    function test_zeroChallengeRejectsAKeyOffTheCurve() public {
        Vector memory v = _vectors()[1];
        _mockChallenge(GX, 5, v.m, 0);
        vm.assertFalse(Bip340.verify(5, GX, 1, v.m), "e = 0: key off the curve");
    }

    /// @dev s = 0 makes ecrecover's hash h = −s·px zero. Under row 1's key P, e = 3 gives R = −3·P with even y
    /// (computed with noble-curves), so (x(R), 0) is valid when the challenge is 3.
    function test_zeroSVerifiesWhenR_IsMinusEP() public {
        Vector memory v = _vectors()[1];
        uint256 rx = 0xF549C8C8F9B44C4AAB3E352998DD736D1247A3DCAC80F5B0360F54F7DAFD2BD5;
        _mockChallenge(rx, v.px, v.m, bytes32(uint256(3)));
        vm.assertTrue(Bip340.verify(v.px, rx, 0, v.m), "s = 0, R = -3P verifies");
        _mockChallenge(rx, v.px, v.m, bytes32(uint256(4)));
        vm.assertFalse(Bip340.verify(v.px, rx, 0, v.m), "s = 0, R = -3P with e = 4 rejected");
    }
}
