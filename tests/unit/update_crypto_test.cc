// The device's SHA-256, SHA-512 and Ed25519 verification (runtime/src/update) against FIPS 180-4
// and RFC 8032 known answers, every Wycheproof EdDSA case, and OpenSSL on random inputs.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <array>

#include <array>
#include <cstdlib>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "tests/support/hex.h"
#include "tests/support/shared_data.h"
#include "tinyforge/update/ed25519.h"
#include "tinyforge/update/sha2.h"
#include "toolkit/package/ed25519_keys.h"
#include "update/field25519.h"
#include "update/scalar25519.h"

namespace tinyforge {
namespace {

using testing::from_hex;
using testing::to_hex;

std::vector<uint8_t> openssl_digest(const EVP_MD* md, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> digest(EVP_MD_size(md));
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest.data(), &length, md, nullptr), 1);
  return digest;
}

TEST(UpdateSha, KnownAnswersFromFips180) {
  uint8_t d256[32];
  uint8_t d512[64];
  update::sha256("abc", 3, d256);
  update::sha512("abc", 3, d512);
  EXPECT_EQ(to_hex(d256, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(d512, 64),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

// Every length across the padding boundaries, fed in random pieces.
TEST(UpdateSha, MatchesOpenSslForEveryLengthAndSplit) {
  std::mt19937 rng(7);
  for (size_t length = 0; length <= 300; ++length) {
    std::vector<uint8_t> data(length);
    for (auto& b : data) b = uint8_t(rng());
    update::Sha256 h256;
    update::Sha512 h512;
    size_t at = 0;
    while (at < length) {
      const size_t piece = std::min<size_t>(length - at, rng() % 150 + 1);
      h256.update(data.data() + at, piece);
      h512.update(data.data() + at, piece);
      at += piece;
    }
    std::vector<uint8_t> d256(32);
    std::vector<uint8_t> d512(64);
    h256.finish(d256.data());
    h512.finish(d512.data());
    ASSERT_EQ(d256, openssl_digest(EVP_sha256(), data)) << "length " << length;
    ASSERT_EQ(d512, openssl_digest(EVP_sha512(), data)) << "length " << length;
  }
}

// OpenSSL's BIGNUM from little-endian bytes, and back (`size` bytes).
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr bn_from_le(const uint8_t* bytes, size_t size) {
  return BnPtr(BN_lebin2bn(bytes, int(size), nullptr), BN_free);
}

// p = 2^255 - 19, little-endian; OpenSSL's view of field elements and ours, both as canonical
// hex, so the two sides compare as strings.
class FieldOracle {
 public:
  const std::vector<uint8_t> p_bytes =
      from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const BnPtr p = bn_from_le(p_bytes.data(), 32);
  const std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx{BN_CTX_new(), BN_CTX_free};

  std::string reduced(const BIGNUM* v) const {
    BnPtr r(BN_new(), BN_free);
    EXPECT_EQ(BN_nnmod(r.get(), v, p.get(), ctx.get()), 1);
    uint8_t out[32];
    EXPECT_EQ(BN_bn2lebinpad(r.get(), out, 32), 32);
    return to_hex(out, 32);
  }
  static std::string ours(const update::Fe& f) {
    uint8_t out[32];
    update::fe_to_bytes(out, f);
    return to_hex(out, 32);
  }
};

// Field arithmetic modulo 2^255 - 19 against OpenSSL's BIGNUM, on random elements, the largest
// 255-bit encodings (non-canonical ones included) and sums and differences as the point formulas
// feed them into products.
TEST(UpdateField, MatchesOpenSslBignumArithmetic) {
  const FieldOracle field;
  const auto& p_bytes = field.p_bytes;
  const BnPtr& p = field.p;
  const auto& ctx = field.ctx;
  const auto encode = [&](const BIGNUM* v) { return field.reduced(v); };
  const auto ours = &FieldOracle::ours;
  std::mt19937 rng(19);
  for (int t = 0; t < 3000; ++t) {
    uint8_t a_bytes[32];
    uint8_t b_bytes[32];
    for (int i = 0; i < 32; ++i) {
      a_bytes[i] = uint8_t(rng());
      b_bytes[i] = uint8_t(rng());
    }
    if (t < 4) std::fill(std::begin(a_bytes), std::end(a_bytes), uint8_t(t == 0 ? 0xff : t));
    if (t == 1) std::copy(p_bytes.begin(), p_bytes.end(), a_bytes);  // p itself: zero
    a_bytes[31] &= 0x7f;
    b_bytes[31] &= 0x7f;
    const update::Fe a = update::fe_from_bytes(a_bytes);
    const update::Fe b = update::fe_from_bytes(b_bytes);
    const BnPtr x = bn_from_le(a_bytes, 32);
    const BnPtr y = bn_from_le(b_bytes, 32);
    BnPtr r(BN_new(), BN_free);
    ASSERT_EQ(BN_mod_mul(r.get(), x.get(), y.get(), p.get(), ctx.get()), 1);
    ASSERT_EQ(ours(update::fe_mul(a, b)), encode(r.get())) << "mul, case " << t;
    ASSERT_EQ(BN_mod_sqr(r.get(), x.get(), p.get(), ctx.get()), 1);
    ASSERT_EQ(ours(update::fe_square(a)), encode(r.get())) << "square, case " << t;
    // (a + b) * (a - b) - (b - a) * 2a, built as the formulas build operands
    BnPtr sum(BN_new(), BN_free);
    BnPtr diff(BN_new(), BN_free);
    BnPtr check(BN_new(), BN_free);
    ASSERT_EQ(BN_add(sum.get(), x.get(), y.get()), 1);
    ASSERT_EQ(BN_sub(diff.get(), x.get(), y.get()), 1);
    ASSERT_EQ(BN_mul(check.get(), sum.get(), diff.get(), ctx.get()), 1);
    BnPtr two_a(BN_new(), BN_free);
    ASSERT_EQ(BN_lshift1(two_a.get(), x.get()), 1);
    ASSERT_EQ(BN_mul(r.get(), diff.get(), two_a.get(), ctx.get()), 1);
    ASSERT_EQ(BN_add(check.get(), check.get(), r.get()), 1);
    const update::Fe combined =
        update::fe_sub(update::fe_mul(update::fe_add(a, b), update::fe_sub(a, b)),
                       update::fe_mul(update::fe_sub(b, a), update::fe_add(a, a)));
    ASSERT_EQ(ours(combined), encode(check.get())) << "sums and differences, case " << t;
    if (t % 10 == 0 && !BN_is_zero(x.get()) && BN_cmp(x.get(), p.get()) != 0) {
      ASSERT_NE(BN_mod_inverse(r.get(), x.get(), p.get(), ctx.get()), nullptr);
      ASSERT_EQ(ours(update::fe_invert(a)), encode(r.get())) << "inverse, case " << t;
    }
  }
}

// The extremes the limb bounds allow (field25519.h): elements whose carried limbs are all at the
// largest or smallest centred value, summed three at a time into products and two at a time into
// squares, as the point formulas may; a 64-bit column overflow would show as a wrong result.
TEST(UpdateField, ExtremeLimbsInProductsAndSquaresMatchOpenSsl) {
  const FieldOracle field;
  const auto& ctx = field.ctx;
  const auto reduced = [&](const BIGNUM* v) { return field.reduced(v); };
  const auto ours = &FieldOracle::ours;
  // 32 bytes from ten limbs of 26, 25, 26, ... bits.
  const auto pack = [](const std::array<uint32_t, 10>& limbs) {
    std::array<uint8_t, 32> bytes{};
    int bit = 0;
    for (int i = 0; i < 10; ++i) {
      const int width = i % 2 == 0 ? 26 : 25;
      for (int b = 0; b < width; ++b, ++bit)
        if ((limbs[i] >> b) & 1) bytes[bit / 8] |= uint8_t(1 << (bit % 8));
    }
    return bytes;
  };
  std::vector<std::array<uint8_t, 32>> extremes;
  std::array<uint32_t, 10> top{}, bottom{}, mixed{};
  for (int i = 0; i < 10; ++i) {
    const uint32_t half = i % 2 == 0 ? (1u << 25) : (1u << 24);
    top[i] = half - 1;  // the largest centred limb
    bottom[i] = half;   // centres to the smallest
    mixed[i] = i % 3 == 0 ? half - 1 : half;
  }
  for (const auto& limbs : {top, bottom, mixed}) extremes.push_back(pack(limbs));
  extremes.push_back(std::array<uint8_t, 32>{});
  std::fill(extremes.back().begin(), extremes.back().end(), 0xff);
  extremes.back()[31] = 0x7f;
  for (const auto& a_bytes : extremes) {
    for (const auto& b_bytes : extremes) {
      const update::Fe a = update::fe_from_bytes(a_bytes.data());
      const update::Fe b = update::fe_from_bytes(b_bytes.data());
      const BnPtr x = bn_from_le(a_bytes.data(), 32);
      const BnPtr y = bn_from_le(b_bytes.data(), 32);
      // (a + a + a) (b + b + b) and (a + a - b)(-a - b - b): three-element operands.
      const update::Fe three_a = update::fe_add(update::fe_add(a, a), a);
      const update::Fe three_b = update::fe_add(update::fe_add(b, b), b);
      BnPtr left(BN_new(), BN_free), right(BN_new(), BN_free), r(BN_new(), BN_free);
      ASSERT_EQ(BN_mul_word(BN_copy(left.get(), x.get()), 3), 1);
      ASSERT_EQ(BN_mul_word(BN_copy(right.get(), y.get()), 3), 1);
      ASSERT_EQ(BN_mul(r.get(), left.get(), right.get(), ctx.get()), 1);
      ASSERT_EQ(ours(update::fe_mul(three_a, three_b)), reduced(r.get()));
      const update::Fe mixed_left = update::fe_sub(update::fe_add(a, a), b);
      const update::Fe mixed_right =
          update::fe_sub(update::fe_sub(update::fe_sub(update::fe_from_int(0), a), b), b);
      ASSERT_EQ(BN_lshift1(left.get(), x.get()), 1);
      ASSERT_EQ(BN_sub(left.get(), left.get(), y.get()), 1);
      ASSERT_EQ(BN_lshift1(right.get(), y.get()), 1);
      ASSERT_EQ(BN_add(right.get(), right.get(), x.get()), 1);
      BN_set_negative(right.get(), 1);
      ASSERT_EQ(BN_mul(r.get(), left.get(), right.get(), ctx.get()), 1);
      ASSERT_EQ(ours(update::fe_mul(mixed_left, mixed_right)), reduced(r.get()));
      // (a + b)^2 and (a - b)^2: two-element squares.
      ASSERT_EQ(BN_add(left.get(), x.get(), y.get()), 1);
      ASSERT_EQ(BN_sqr(r.get(), left.get(), ctx.get()), 1);
      ASSERT_EQ(ours(update::fe_square(update::fe_add(a, b))), reduced(r.get()));
      ASSERT_EQ(BN_sub(left.get(), x.get(), y.get()), 1);
      ASSERT_EQ(BN_sqr(r.get(), left.get(), ctx.get()), 1);
      ASSERT_EQ(ours(update::fe_square(update::fe_sub(a, b))), reduced(r.get()));
      // Four elements summed go through fe_carry first.
      const update::Fe four = update::fe_carry(update::fe_add(three_a, a));
      ASSERT_EQ(BN_lshift(left.get(), x.get(), 2), 1);
      ASSERT_EQ(BN_mul(r.get(), left.get(), y.get(), ctx.get()), 1);
      ASSERT_EQ(BN_mul_word(r.get(), 3), 1);
      ASSERT_EQ(ours(update::fe_mul(four, three_b)), reduced(r.get()));
    }
  }
}

TEST(UpdateScalar, ReductionModuloTheGroupOrderMatchesOpenSsl) {
  const auto order_bytes =
      from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  const BnPtr order = bn_from_le(order_bytes.data(), 32);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  std::mt19937 rng(8032);
  for (int t = 0; t < 2000; ++t) {
    uint8_t wide[64];
    for (auto& b : wide) b = uint8_t(rng());
    if (t == 0) std::fill(std::begin(wide), std::end(wide), 0xff);
    if (t == 1) std::fill(std::begin(wide), std::end(wide), 0);
    uint8_t ours[32];
    update::scalar_reduce(ours, wide);
    const BnPtr value = bn_from_le(wide, 64);
    BnPtr remainder(BN_new(), BN_free);
    ASSERT_EQ(BN_mod(remainder.get(), value.get(), order.get(), ctx.get()), 1);
    uint8_t theirs[32];
    ASSERT_EQ(BN_bn2lebinpad(remainder.get(), theirs, 32), 32);
    ASSERT_EQ(to_hex(ours, 32), to_hex(theirs, 32)) << "case " << t;
    EXPECT_TRUE(update::scalar_is_canonical(ours));
  }
  EXPECT_FALSE(update::scalar_is_canonical(order_bytes.data()));
}

// Width-w NAF digits: odd or zero, below 2^(w-1) in magnitude, at most one nonzero in any w
// consecutive, and they sum back to the scalar (checked with OpenSSL's BIGNUM).
TEST(UpdateScalar, WindowNafDigitsRebuildTheScalar) {
  std::mt19937 rng(25519);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  for (int t = 0; t < 500; ++t) {
    uint8_t scalar[32];
    for (auto& b : scalar) b = uint8_t(rng());
    scalar[31] &= 0x7f;  // below 2^255
    for (int width : {4, 5}) {
      int8_t digits[256];
      update::scalar_naf(digits, scalar, width);
      BnPtr sum(BN_new(), BN_free);
      BN_zero(sum.get());
      int last_nonzero = 256 + width;
      for (int i = 255; i >= 0; --i) {
        ASSERT_EQ(BN_lshift1(sum.get(), sum.get()), 1);
        const int d = digits[i];
        if (d == 0) continue;
        ASSERT_NE(d % 2, 0) << "digit " << i;
        ASSERT_LT(std::abs(d), 1 << (width - 1));
        ASSERT_GE(last_nonzero - i, width) << "digits " << last_nonzero << " and " << i;
        last_nonzero = i;
        ASSERT_EQ(d > 0 ? BN_add_word(sum.get(), static_cast<BN_ULONG>(d))
                        : BN_sub_word(sum.get(), static_cast<BN_ULONG>(-d)),
                  1);
      }
      const BnPtr expected = bn_from_le(scalar, 32);
      ASSERT_EQ(BN_cmp(sum.get(), expected.get()), 0) << "case " << t << " width " << width;
    }
  }
}

bool verify(const std::vector<uint8_t>& pub, const std::vector<uint8_t>& sig,
            const std::vector<uint8_t>& msg) {
  if (pub.size() != 32 || sig.size() != 64) return false;  // the device reads fixed sizes
  return update::ed25519_verify(sig.data(), pub.data(), msg.data(), msg.size());
}

struct RfcCase {
  const char* seed;
  const char* pub;
  const char* msg;
  const char* sig;
};

// RFC 8032 section 7.1, TEST 1 to 3.
const RfcCase kRfcCases[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984d"
     "c6594a7c15e9716ed28dc027beceea1ec40a"},
};

TEST(UpdateEd25519, Rfc8032VectorsVerifyAndOpenSslSignsThemIdentically) {
  for (const RfcCase& c : kRfcCases) {
    const auto pub = from_hex(c.pub);
    const auto msg = from_hex(c.msg);
    const auto sig = from_hex(c.sig);
    EXPECT_TRUE(verify(pub, sig, msg)) << c.sig;
    auto wrong = msg;
    wrong.push_back(0);
    EXPECT_FALSE(verify(pub, sig, wrong)) << c.sig;
    host::Ed25519Seed seed;
    const auto seed_bytes = from_hex(c.seed);
    std::copy(seed_bytes.begin(), seed_bytes.end(), seed.begin());
    const auto derived = host::ed25519_public_key(seed);
    EXPECT_EQ(to_hex(derived.data(), 32), c.pub);
    const auto signed_here = host::ed25519_sign(seed, msg.data(), msg.size());
    EXPECT_EQ(to_hex(signed_here.data(), 64), c.sig);
  }
}

TEST(UpdateEd25519, EveryWycheproofCase) {
  TINYFORGE_REQUIRE_SHARED();
  std::ifstream in(testing::shared_dir() / "security" / "wycheproof_ed25519_test.json");
  ASSERT_TRUE(in) << "security/wycheproof_ed25519_test.json missing from the shared corpus";
  const auto doc = nlohmann::json::parse(in);
  int cases = 0;
  int valid = 0;
  for (const auto& group : doc["testGroups"]) {
    const auto pub = from_hex(group["publicKey"]["pk"].get<std::string>());
    for (const auto& test : group["tests"]) {
      const bool expected = test["result"].get<std::string>() == "valid";
      const bool got = verify(pub, from_hex(test["sig"].get<std::string>()),
                              from_hex(test["msg"].get<std::string>()));
      EXPECT_EQ(got, expected) << "tcId " << test["tcId"] << ": " << test["comment"];
      ++cases;
      valid += expected;
    }
  }
  EXPECT_EQ(cases, doc["numberOfTests"].get<int>());
  EXPECT_GT(valid, 0);
  EXPECT_LT(valid, cases);
}

// Random keys and messages signed by OpenSSL; then a flipped bit in the message, signature or
// key: the device accepts exactly what OpenSSL accepts. TINYFORGE_ED25519_KEYS sets the count
// (bench runs use more than CI).
TEST(UpdateEd25519, AgreesWithOpenSslOnRandomKeysAndFlippedBits) {
  int keys = 2000;
  if (const char* env = std::getenv("TINYFORGE_ED25519_KEYS")) keys = std::atoi(env);
  std::mt19937 rng(2026);
  int accepted = 0;
  int refused = 0;
  for (int k = 0; k < keys; ++k) {
    const auto seed = host::ed25519_generate();
    auto pub = host::ed25519_public_key(seed);
    std::vector<uint8_t> msg(rng() % 200);
    for (auto& b : msg) b = uint8_t(rng());
    auto sig = host::ed25519_sign(seed, msg.data(), msg.size());
    ASSERT_TRUE(update::ed25519_verify(sig.data(), pub.data(), msg.data(), msg.size()))
        << "key " << k;
    ++accepted;
    // One flipped bit somewhere in message, signature or public key.
    const size_t total_bits = 8 * (msg.size() + sig.size() + pub.size());
    const size_t flip = rng() % total_bits;
    uint8_t* target = flip < 8 * msg.size() ? msg.data() + flip / 8
                      : flip < 8 * (msg.size() + sig.size())
                          ? sig.data() + (flip / 8 - msg.size())
                          : pub.data() + (flip / 8 - msg.size() - sig.size());
    *target ^= uint8_t(1u << (flip % 8));
    const bool ours = update::ed25519_verify(sig.data(), pub.data(), msg.data(), msg.size());
    const bool theirs = host::ed25519_openssl_verify(pub, sig, msg.data(), msg.size());
    ASSERT_EQ(ours, theirs) << "key " << k << " bit " << flip;
    ASSERT_FALSE(ours) << "key " << k << " bit " << flip;
    ++refused;
  }
  EXPECT_EQ(accepted, keys);
  EXPECT_EQ(refused, keys);
}

}  // namespace
}  // namespace tinyforge
