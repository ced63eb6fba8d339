// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Bip340} from "../../contracts/Bip340.sol";
import {Roundtable} from "../../contracts/Roundtable.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";

/// @notice Threat B1: an encryption key is accepted only with a BIP-340 proof of possession of its secret, bound
/// to chain, contract, session and party ({Roundtable.keyProofDigestOf}). A key off the curve, the generator, a key
/// copied with its owner's proof, or a proof made for anything else is refused with its exact error.
contract RoundtableKeyProofsTest is RoundtableTestBase {
    uint8 internal constant T = 2;

    uint256 internal id;
    /// @dev A second session with the same parties and configuration.
    uint256 internal other;
    bytes32 internal configHash;

    function setUp() public {
        _deploy();
        _loadParties(3, 1);
        id = _create(_keygenConfig(accounts, T));
        other = _create(_keygenConfig(accounts, T));
        configHash = rt.configHashOf(id);
    }

    function _expectInvalidProof(uint8 party, uint256 x) internal {
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidKeyProof.selector, id, party, bytes32(x)));
    }

    function _acceptWith(uint8 party, bytes memory key, bytes memory proof) internal {
        vm.prank(accounts[party]);
        rt.accept(id, party, configHash, key, proof, address(0));
    }

    // ─────────────────────────────────────────────────────── happy path

    function test_B1_validProofAcceptedAndKeyEmittedWithTheDelegate() public {
        address delegate = vm.addr(0xDE1E6A7E);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 1);
        vm.expectEmit(address(rt));
        emit IRoundtable.PartyAccepted(id, accounts[1], 1, key, delegate);
        vm.prank(accounts[1]);
        rt.accept(id, 1, configHash, key, proof, delegate);

        vm.assertEq(rt.delegateOf(id, 1), delegate, "delegateOf");
        vm.assertEq(rt.delegateOf(id, 0), address(0), "no delegate for a party that named none");
        bytes32 expected = _fold(bytes32(0), 1, _acceptStructHash(id, 1, configHash, key, delegate));
        vm.assertEq(rt.transcriptOf(id), expected, "the transcript folds the delegate too");
    }

    function test_B1_validSignedProofAcceptedWithTheDelegate() public {
        address delegate = vm.addr(0xDE1E6A7E);
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            id,
            2,
            0,
            configHash,
            _acceptData(id, 2, delegate)
        );
        a = _sign(keys[2], a);
        vm.expectEmit(address(rt));
        emit IRoundtable.PartyAccepted(id, accounts[2], 2, _encryptionKey(), delegate);
        vm.prank(STRANGER);
        rt.applySigned(a);
        vm.assertEq(rt.delegateOf(id, 2), delegate, "delegateOf");
    }

    /// @dev The digest is EIP-712 `EncryptionKeyProof(uint256 sessionId,uint8 party,bytes encryptionKey)` in the
    /// contract's domain, written out here independently of the contract.
    function test_B1_keyProofDigestIsTheEip712TypedDataHash() public view {
        bytes memory key = _encryptionKey();
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("EncryptionKeyProof(uint256 sessionId,uint8 party,bytes encryptionKey)"),
                id,
                uint8(1),
                keccak256(key)
            )
        );
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Roundtable"),
                keccak256("1"),
                block.chainid,
                address(rt)
            )
        );
        bytes32 expected = keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
        vm.assertEq(rt.keyProofDigestOf(id, 1, key), expected, "digest");
    }

    /// @dev The tests' fixed key and nonce give a valid BIP-340 signature, checked by the library directly.
    function test_B1_fixtureProofIsAValidBip340Signature() public view {
        bytes memory proof = _keyProof(id, 0);
        (uint256 rx, uint256 s) = abi.decode(proof, (uint256, uint256));
        bytes32 m = rt.keyProofDigestOf(id, 0, _encryptionKey());
        vm.assertTrue(Bip340.verify(ENCRYPTION_X, rx, s, m), "valid");
        vm.assertEq(rx, PROOF_RX, "R = kG");
    }

    // ─────────────────────────────────────────────────────── bad keys

    /// @dev An x with no point on the curve: no secret exists, so no proof can be valid.
    function test_B1_keyOffTheCurveRejected() public {
        uint256 x = 5;
        (bool onCurve, ) = Bip340.liftX(x);
        vm.assertFalse(onCurve, "x = 5 is not on secp256k1");
        bytes memory key = abi.encodePacked(bytes1(0x02), x);
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        _expectInvalidProof(0, x);
        _acceptWith(0, key, proof);
    }

    function test_B1_keyWithXAtTheFieldPrimeRejected() public {
        bytes memory key = abi.encodePacked(bytes1(0x03), SECP256K1_P);
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        _expectInvalidProof(0, SECP256K1_P);
        _acceptWith(0, key, proof);
    }

    function test_B1_zeroKeyRejected() public {
        bytes memory key = abi.encodePacked(bytes1(0x02), bytes32(0));
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        _expectInvalidProof(0, 0);
        _acceptWith(0, key, proof);
    }

    /// @dev The generator's secret is 1 (or n - 1 for the odd point): everyone knows it. Refused before the proof.
    function test_B1_generatorWithEvenYRejected() public {
        bytes memory key = abi.encodePacked(bytes1(0x02), SECP256K1_GX);
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableKnownEncryptionKey.selector, id, 0, bytes32(SECP256K1_GX))
        );
        _acceptWith(0, key, proof);
    }

    function test_B1_generatorWithOddYRejected() public {
        bytes memory key = abi.encodePacked(bytes1(0x03), SECP256K1_GX);
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableKnownEncryptionKey.selector, id, 0, bytes32(SECP256K1_GX))
        );
        _acceptWith(0, key, proof);
    }

    /// @dev A signed acceptance of the generator is refused the same way.
    function test_B1_signedAcceptanceOfTheGeneratorRejected() public {
        bytes memory key = abi.encodePacked(bytes1(0x02), SECP256K1_GX);
        bytes memory data = abi.encodePacked(key, _keyProofFor(rt, id, 0, key));
        IRoundtable.SignedAction memory a = _sign(
            keys[0],
            _action(IRoundtable.ActionType.Accept, id, 0, 0, configHash, data)
        );
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableKnownEncryptionKey.selector, id, 0, bytes32(SECP256K1_GX))
        );
        rt.applySigned(a);
    }

    // ──────────────────────────────────────────────── proofs for elsewhere

    /// @dev Party 1 registers party 0's key with party 0's proof: the proof names party 0, so it fails for party 1.
    function test_B1_copiedKeyWithTheOtherPartysProofRejected() public {
        _accept(id, 0);
        bytes memory copied = _keyProof(id, 0);
        _expectInvalidProof(1, ENCRYPTION_X);
        _acceptWith(1, _encryptionKey(), copied);
    }

    function test_B1_proofForAnotherSessionRejected() public {
        bytes memory proof = _keyProof(other, 0);
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, _encryptionKey(), proof);
    }

    function test_B1_proofForAnotherPartyRejected() public {
        bytes memory proof = _keyProof(id, 2);
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, _encryptionKey(), proof);
    }

    /// @dev The same session id and parties on a second deployment: another verifying contract in the digest.
    function test_B1_proofForAnotherContractRejected() public {
        Roundtable twin = new Roundtable();
        bytes memory proof = _keyProofFor(twin, id, 0, _encryptionKey());
        vm.assertNotEq(
            twin.keyProofDigestOf(id, 0, _encryptionKey()),
            rt.keyProofDigestOf(id, 0, _encryptionKey()),
            "digests differ by contract"
        );
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, _encryptionKey(), proof);
    }

    function testFuzz_B1_proofForAnotherChainRejected(uint64 chainId) public {
        vm.assume(chainId != block.chainid && chainId != 0);
        uint256 home = block.chainid;
        vm.chainId(chainId);
        bytes memory proof = _keyProof(id, 0);
        vm.chainId(home);
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, _encryptionKey(), proof);
    }

    /// @dev The proof signs the key's prefix too: the odd-y twin 0x03 | x needs a proof of its own.
    function test_B1_proofForTheKeysOtherParityRejected() public {
        bytes memory odd = abi.encodePacked(bytes1(0x03), ENCRYPTION_X);
        bytes memory proof = _keyProof(id, 0);
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, odd, proof);
    }

    function testFuzz_B1_flippedProofBitRejected(uint256 bitSeed) public {
        uint256 bit = bitSeed % (64 * 8);
        bytes memory proof = _keyProof(id, 0);
        proof[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        _expectInvalidProof(0, ENCRYPTION_X);
        _acceptWith(0, _encryptionKey(), proof);
    }

    function testFuzz_B1_flippedKeyBitRejected(uint256 bitSeed) public {
        uint256 bit = bitSeed % (32 * 8);
        bytes memory key = _encryptionKey();
        key[1 + bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        bytes memory proof = _keyProof(id, 0);
        uint256 x = uint256(bytes32(_slice(key, 1, 33)));
        vm.assume(x != SECP256K1_GX);
        _expectInvalidProof(0, x);
        _acceptWith(0, key, proof);
    }

    // ──────────────────────────────────────────────────────── lengths

    function testFuzz_B1_proofOfWrongLengthRejected(uint256 lengthSeed) public {
        uint256 length = _bound(lengthSeed, 0, 130);
        vm.assume(length != 64);
        bytes memory proof = _payload(length, 1);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidAcceptData.selector, id, 0, length));
        _acceptWith(0, _encryptionKey(), proof);
    }

    function test_B1_proofOneByteShortRejected() public {
        bytes memory proof = _slice(_keyProof(id, 0), 0, 63);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidAcceptData.selector, id, 0, 63));
        _acceptWith(0, _encryptionKey(), proof);
    }

    function test_B1_proofOneByteLongRejected() public {
        bytes memory proof = abi.encodePacked(_keyProof(id, 0), bytes1(0));
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidAcceptData.selector, id, 0, 65));
        _acceptWith(0, _encryptionKey(), proof);
    }

    /// @dev Signed Accept data is key (33) | proof (64) | optional delegate (20): 97 or 117 bytes, nothing else.
    function testFuzz_B1_signedAcceptDataOfWrongLengthRejected(uint256 lengthSeed) public {
        uint256 length = _bound(lengthSeed, 0, 160);
        vm.assume(length != 97 && length != 117);
        bytes memory data = _payload(length, 2);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Accept, id, 0, 0, configHash, data);
        a.signature = new bytes(65);
        bytes memory err = abi.encodeWithSelector(IRoundtable.RoundtableInvalidAcceptData.selector, id, 0, length);
        vm.expectRevert(err);
        rt.applySigned(a);
        vm.expectRevert(err);
        rt.digestOf(a);
    }

    function test_B1_signedAcceptWithProofOneByteShortRejected() public {
        bytes memory data = _slice(_acceptData(id, 0, address(0)), 0, 96);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Accept, id, 0, 0, configHash, data);
        a.signature = new bytes(65);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidAcceptData.selector, id, 0, 96));
        rt.applySigned(a);
    }

    function test_B1_signedAcceptWithAFlippedProofBitRejected() public {
        IRoundtable.SignedAction memory a = _signedAccept(id, 0);
        a.data[33 + 40] ^= 0x01;
        _expectInvalidProof(0, ENCRYPTION_X);
        rt.applySigned(a);
    }

    /// @dev Nothing of a refused acceptance is recorded.
    function test_B1_refusedProofRecordsNothing() public {
        bytes memory proof = _keyProof(other, 0);
        vm.prank(accounts[0]);
        (bool ok, ) = address(rt).call(
            abi.encodeCall(rt.accept, (id, 0, configHash, _encryptionKey(), proof, vm.addr(1)))
        );
        vm.assertFalse(ok, "refused");
        vm.assertEq(rt.sessionState(id).acted, 0, "not acted");
        vm.assertEq(rt.transcriptOf(id), bytes32(0), "transcript unchanged");
        vm.assertEq(rt.delegateOf(id, 0), address(0), "no delegate recorded");
    }
}
