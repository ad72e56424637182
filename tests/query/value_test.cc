#include "query/value.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "query/limits.h"
#include "query/value_order.h"
#include "query/value_splice.h"
#include "tests/query/value_random.h"

namespace minimongo::query {
namespace {

using ::minimongo::testing::DebugString;
using ::minimongo::testing::Identical;
using ::testing::ElementsAre;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Heap footprint of a buffer holding `payload` bytes (the node header plus the payload).
constexpr size_t NodeBytes(size_t payload) { return sizeof(internal::ValueNode) + payload; }

std::vector<std::string> Keys(ValueView v) {
  std::vector<std::string> keys;
  for (const Field& f : v.fields()) keys.emplace_back(f.key);
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Factories and accessors

TEST(ValueTest, HandleIsSixteenBytes) { EXPECT_EQ(sizeof(Value), 16u); }

TEST(ValueTest, DefaultIsNull) {
  Value v;
  EXPECT_EQ(v.type(), Type::kNull);
  EXPECT_TRUE(v.IsNull());
  EXPECT_TRUE(Value::Null().IsNull());
  EXPECT_EQ(v.HeapBytes(), 0u);
  EXPECT_EQ(v.size(), 0u);
  EXPECT_TRUE(ValueView().IsNull());
  EXPECT_EQ(ValueView().type(), Type::kNull);
}

TEST(ValueTest, ScalarFactoriesAndAccessors) {
  EXPECT_EQ(Value::MinKey().type(), Type::kMinKey);
  EXPECT_EQ(Value::MaxKey().type(), Type::kMaxKey);

  EXPECT_EQ(Value::Bool(true).type(), Type::kBool);
  EXPECT_TRUE(Value::Bool(true).view().AsBool());
  EXPECT_FALSE(Value::Bool(false).view().AsBool());

  EXPECT_EQ(Value::Int32(-7).type(), Type::kInt32);
  EXPECT_EQ(Value::Int32(-7).view().AsInt32(), -7);
  EXPECT_EQ(Value::Int32(std::numeric_limits<int32_t>::min()).view().AsInt32(),
            std::numeric_limits<int32_t>::min());

  EXPECT_EQ(Value::Int64(int64_t{1} << 40).type(), Type::kInt64);
  EXPECT_EQ(Value::Int64(std::numeric_limits<int64_t>::max()).view().AsInt64(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value::Int64(std::numeric_limits<int64_t>::min()).view().AsInt64(),
            std::numeric_limits<int64_t>::min());

  EXPECT_EQ(Value::Double(2.5).type(), Type::kDouble);
  EXPECT_EQ(Value::Double(2.5).view().AsDouble(), 2.5);
  EXPECT_TRUE(std::signbit(Value::Double(-0.0).view().AsDouble()));
  EXPECT_TRUE(std::isnan(Value::Double(kNaN).view().AsDouble()));
  EXPECT_EQ(Value::Double(-kInf).view().AsDouble(), -kInf);

  EXPECT_EQ(Value::Date(-1234).type(), Type::kDate);
  EXPECT_EQ(Value::Date(-1234).view().AsDateMillis(), -1234);
  EXPECT_EQ(Value::Date(std::numeric_limits<int64_t>::min()).view().AsDateMillis(),
            std::numeric_limits<int64_t>::min());

  uint64_t ts = (uint64_t{0xfffffffe} << 32) | 7;
  EXPECT_EQ(Value::Timestamp(ts).type(), Type::kTimestamp);
  EXPECT_EQ(Value::Timestamp(ts).view().AsTimestamp(), ts);

  ObjectId oid = *ObjectId::FromHex("0123456789abcdef01234567");
  EXPECT_EQ(Value::MakeObjectId(oid).type(), Type::kObjectId);
  EXPECT_EQ(Value::MakeObjectId(oid).view().AsObjectId(), oid);

  for (const Value& v :
       {Value::MinKey(), Value::MaxKey(), Value::Bool(true), Value::Int32(1), Value::Int64(1),
        Value::Double(1), Value::Date(1), Value::Timestamp(1), Value::MakeObjectId(oid)}) {
    EXPECT_EQ(v.HeapBytes(), 0u) << DebugString(v.view()) << " should be inline";
    EXPECT_EQ(v.size(), 0u);
  }
}

TEST(ValueTest, StringBinaryRegex) {
  Value s = Value::String(std::string("a\0b", 3));
  EXPECT_EQ(s.type(), Type::kString);
  EXPECT_TRUE(s.IsString());
  EXPECT_EQ(s.view().AsString(), std::string_view("a\0b", 3));
  EXPECT_EQ(Value::String("").view().AsString(), "");

  Value bin = Value::Binary(4, std::string("\x00\xff\x01", 3));
  EXPECT_EQ(bin.type(), Type::kBinary);
  EXPECT_EQ(bin.view().BinarySubtype(), 4);
  EXPECT_EQ(bin.view().BinaryData(), std::string_view("\x00\xff\x01", 3));
  Value empty_bin = Value::Binary(0, "");
  EXPECT_EQ(empty_bin.view().BinaryData(), "");
  EXPECT_EQ(empty_bin.view().BinarySubtype(), 0);

  Value re = Value::Regex("^a.c$", "im");
  EXPECT_EQ(re.type(), Type::kRegex);
  EXPECT_EQ(re.view().RegexPattern(), "^a.c$");
  EXPECT_EQ(re.view().RegexFlags(), "im");
  Value re_noflags = Value::Regex("", "");
  EXPECT_EQ(re_noflags.view().RegexPattern(), "");
  EXPECT_EQ(re_noflags.view().RegexFlags(), "");
}

TEST(ValueTest, TypePredicates) {
  EXPECT_TRUE(Value::Int32(1).IsNumber());
  EXPECT_TRUE(Value::Int64(1).IsNumber());
  EXPECT_TRUE(Value::Double(1).IsNumber());
  EXPECT_FALSE(Value::Date(1).IsNumber());
  EXPECT_FALSE(Value::Bool(true).IsNumber());
  EXPECT_FALSE(Value::String("1").IsNumber());
  EXPECT_TRUE(IsNumberType(Type::kDecimal128));
  EXPECT_FALSE(IsNumberType(Type::kTimestamp));

  Value obj = Value::Object({});
  Value arr = Value::Array({});
  EXPECT_TRUE(obj.IsObject());
  EXPECT_FALSE(obj.IsArray());
  EXPECT_TRUE(arr.IsArray());
  EXPECT_FALSE(arr.IsObject());
  EXPECT_TRUE(obj.view().IsObject());
  EXPECT_TRUE(arr.view().IsArray());
  EXPECT_TRUE(Value::String("x").view().IsString());
  EXPECT_TRUE(Value::Double(0).view().IsNumber());
  EXPECT_TRUE(Value().view().IsNull());
  EXPECT_TRUE(obj.view().empty());
  EXPECT_TRUE(Value::Int32(3).view().empty());
}

TEST(ValueTest, TypeNamesAreMongoDbs) {
  EXPECT_EQ(TypeName(Type::kDouble), "double");
  EXPECT_EQ(TypeName(Type::kString), "string");
  EXPECT_EQ(TypeName(Type::kObject), "object");
  EXPECT_EQ(TypeName(Type::kArray), "array");
  EXPECT_EQ(TypeName(Type::kBinary), "binData");
  EXPECT_EQ(TypeName(Type::kObjectId), "objectId");
  EXPECT_EQ(TypeName(Type::kBool), "bool");
  EXPECT_EQ(TypeName(Type::kDate), "date");
  EXPECT_EQ(TypeName(Type::kNull), "null");
  EXPECT_EQ(TypeName(Type::kRegex), "regex");
  EXPECT_EQ(TypeName(Type::kInt32), "int");
  EXPECT_EQ(TypeName(Type::kTimestamp), "timestamp");
  EXPECT_EQ(TypeName(Type::kInt64), "long");
  EXPECT_EQ(TypeName(Type::kDecimal128), "decimal");
  EXPECT_EQ(TypeName(Type::kMinKey), "minKey");
  EXPECT_EQ(TypeName(Type::kMaxKey), "maxKey");
}

TEST(ValueTest, NumberAsDouble) {
  EXPECT_EQ(Value::Int32(-3).view().NumberAsDouble(), -3.0);
  EXPECT_EQ(Value::Int64(int64_t{1} << 60).view().NumberAsDouble(), std::ldexp(1.0, 60));
  EXPECT_EQ(Value::Double(0.25).view().NumberAsDouble(), 0.25);
  // Documented precision loss beyond 2^53: rounds to nearest.
  EXPECT_EQ(Value::Int64((int64_t{1} << 53) + 1).view().NumberAsDouble(), std::ldexp(1.0, 53));
}

TEST(ValueTest, NumberAsInt64) {
  EXPECT_EQ(Value::Int32(-5).view().NumberAsInt64(), -5);
  EXPECT_EQ(Value::Int64(std::numeric_limits<int64_t>::max()).view().NumberAsInt64(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value::Double(42.0).view().NumberAsInt64(), 42);
  EXPECT_EQ(Value::Double(-0.0).view().NumberAsInt64(), 0);
  EXPECT_EQ(Value::Double(-9223372036854775808.0).view().NumberAsInt64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value::Double(std::ldexp(1.0, 62)).view().NumberAsInt64(), int64_t{1} << 62);
  // Not integral, or out of range.
  EXPECT_EQ(Value::Double(0.5).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(-1e-300).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(9223372036854775808.0).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(1e300).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(kNaN).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(kInf).view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Double(-kInf).view().NumberAsInt64(), std::nullopt);
  // Not a number at all.
  EXPECT_EQ(Value::String("1").view().NumberAsInt64(), std::nullopt);
  EXPECT_EQ(Value::Date(1).view().NumberAsInt64(), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Inline vs heap

TEST(ValueTest, StringsUpToTenBytesAreInline) {
  EXPECT_EQ(kMaxInlineStringBytes, 10u);
  Value ten = Value::String("0123456789");
  EXPECT_EQ(ten.HeapBytes(), 0u);
  EXPECT_EQ(ten.view().AsString(), "0123456789");
  EXPECT_EQ(Value::String("").HeapBytes(), 0u);

  Value eleven = Value::String("0123456789a");
  // u32 length + 11 bytes in one node.
  EXPECT_EQ(eleven.HeapBytes(), NodeBytes(4 + 11));
  EXPECT_EQ(eleven.view().AsString(), "0123456789a");

  Value thousand = Value::String(std::string(1000, 'x'));
  EXPECT_EQ(thousand.HeapBytes(), NodeBytes(4 + 1000));
  EXPECT_EQ(thousand.view().AsString(), std::string(1000, 'x'));
}

TEST(ValueTest, ContainersBinaryAndRegexLiveOnTheHeap) {
  EXPECT_GT(Value::Object({}).HeapBytes(), 0u);
  EXPECT_GT(Value::Array({}).HeapBytes(), 0u);
  EXPECT_EQ(Value::Binary(0, "").HeapBytes(), NodeBytes(4 + 1));
  EXPECT_EQ(Value::Regex("a", "i").HeapBytes(), NodeBytes(4 + 1 + 1 + 1));
}

TEST(ValueTest, DocumentIsOneAllocationNearItsEncodedSize) {
  // {"name": "report-2024.pdf", "size": int32 1024, "tags": ["a", "b"]}: the encoding in value.h
  // gives 8 (object header) + 3 fields x (1 type + an interned key id of 1 or 2 LEB128 bytes,
  // depending on how many names the process interned before) + (4+15) + 4
  // + array (8 + 2 x (1 + 4+1)). The key names themselves are not in the document.
  Value doc = Value::Object({{"name", Value::String("report-2024.pdf")},
                             {"size", Value::Int32(1024)},
                             {"tags", Value::Array({Value::String("a"), Value::String("b")})}});
  size_t without_keys = 8 + 3 * 1 + (4 + 15) + 4 + (8 + 2 * (1 + 5));
  EXPECT_GE(doc.HeapBytes(), NodeBytes(without_keys + 3 * 1));
  EXPECT_LE(doc.HeapBytes(), NodeBytes(without_keys + 3 * 2));
  // Nested values share the document's buffer.
  EXPECT_EQ(doc.Find("tags")->ToValue().HeapBytes(), doc.HeapBytes());
  EXPECT_EQ(doc.Find("name")->ToValue().HeapBytes(), doc.HeapBytes());
}

TEST(ValueTest, KeysLongerThanSixtyFourBytesAreStoredInline) {
  std::string k64(64, 'k'), k65(65, 'k');
  Value interned = Value::Object({{k64, Value::Null()}});
  Value inline_key = Value::Object({{k65, Value::Null()}});
  // 8 header + 1 type + key: an id of at most 2 bytes, or LEB128(65 << 1 | 1) (2 bytes) + 65.
  EXPECT_LE(interned.HeapBytes(), NodeBytes(8 + 1 + 2));
  EXPECT_EQ(inline_key.HeapBytes(), NodeBytes(8 + 1 + 2 + 65));
  EXPECT_EQ(interned.view().fields().begin()->key, k64);
  EXPECT_EQ(inline_key.view().fields().begin()->key, k65);
}

TEST(ValueTest, InternedKeysReadBackFromAnotherThread) {
  Value doc = Value::Object({{"written-on-main-thread", Value::Int32(7)}});
  std::string seen;
  std::thread reader([&] {
    Value other = Value::Object({{"interned-on-reader-thread", Value::Int32(1)}});
    seen = std::string(doc.view().fields().begin()->key) + "," +
           std::string(other.view().fields().begin()->key);
  });
  reader.join();
  EXPECT_EQ(seen, "written-on-main-thread,interned-on-reader-thread");
  EXPECT_EQ(doc.Find("written-on-main-thread")->AsInt32(), 7);
}

// ---------------------------------------------------------------------------------------------
// Copy, move, sharing

TEST(ValueTest, CopySharesTheBuffer) {
  Value a = Value::String("a string longer than ten bytes");
  Value b = a;
  EXPECT_EQ(b.view().payload(), a.view().payload());
  EXPECT_EQ(b.HeapBytes(), a.HeapBytes());
  Value c;
  c = a;
  EXPECT_EQ(c.view().payload(), a.view().payload());
  a = Value::Int32(1);  // drops one reference; b and c keep the buffer
  EXPECT_EQ(b.view().AsString(), "a string longer than ten bytes");
  EXPECT_EQ(c.view().AsString(), "a string longer than ten bytes");
}

TEST(ValueTest, CopyOfInlineValueIsIndependent) {
  Value a = Value::String("short");
  Value b = a;
  EXPECT_NE(b.view().payload(), a.view().payload());
  a = Value::String("other");
  EXPECT_EQ(b.view().AsString(), "short");
}

TEST(ValueTest, MoveTransfersTheBuffer) {
  Value a = Value::Array({Value::Int32(1), Value::Int32(2)});
  const unsigned char* payload = a.view().payload();
  Value b = std::move(a);
  EXPECT_EQ(b.view().payload(), payload);
  EXPECT_EQ(b.size(), 2u);
  Value c;
  c = std::move(b);
  EXPECT_EQ(c.view().payload(), payload);
  EXPECT_EQ(c.size(), 2u);
  // Moved-from values can be assigned and destroyed.
  a = Value::String("reused after move, long");
  b = a;
  EXPECT_EQ(b.view().AsString(), "reused after move, long");
}

TEST(ValueTest, SelfAssignment) {
  Value a = Value::String("self assignment keeps it");
  Value& alias = a;
  a = alias;
  EXPECT_EQ(a.view().AsString(), "self assignment keeps it");
  a = std::move(alias);
  EXPECT_EQ(a.view().AsString(), "self assignment keeps it");
}

TEST(ValueTest, AssignReplacesHeapWithHeapAndInline) {
  Value a = Value::String("first heap string value");
  Value b = Value::String("second heap string value");
  a = b;
  EXPECT_EQ(a.view().AsString(), "second heap string value");
  a = Value::Int32(5);
  EXPECT_EQ(a.view().AsInt32(), 5);
  b = Value::String("third heap string value!");
  a = std::move(b);
  EXPECT_EQ(a.view().AsString(), "third heap string value!");
}

TEST(ValueTest, ToValueOfANestedViewSharesAndOutlivesTheDocument) {
  Value inner;
  Value name;
  Value count;
  Value short_name;
  size_t doc_bytes;
  {
    Value doc = Value::Object({{"meta", Value::Object({{"mime", Value::String("application/pdf")},
                                                       {"version", Value::Int32(3)}})},
                               {"name", Value::String("a name of some length")},
                               {"short", Value::String("abc")},
                               {"count", Value::Int64(9)}});
    doc_bytes = doc.HeapBytes();
    inner = doc.Find("meta")->ToValue();
    name = doc.Find("name")->ToValue();
    count = doc.Find("count")->ToValue();
    short_name = doc.Find("short")->ToValue();
    EXPECT_EQ(inner.HeapBytes(), doc_bytes);
    EXPECT_EQ(name.HeapBytes(), doc_bytes);
    EXPECT_EQ(inner.view().payload(), doc.Find("meta")->payload());
  }
  // The document is gone; the values keep (a reference to) its buffer.
  EXPECT_EQ(inner.type(), Type::kObject);
  EXPECT_EQ(inner.Find("mime")->AsString(), "application/pdf");
  EXPECT_EQ(inner.Find("version")->AsInt32(), 3);
  EXPECT_EQ(inner.HeapBytes(), doc_bytes);
  EXPECT_EQ(name.view().AsString(), "a name of some length");
  // Small scalars are copied inline.
  EXPECT_EQ(count.HeapBytes(), 0u);
  EXPECT_EQ(count.view().AsInt64(), 9);
  EXPECT_EQ(short_name.HeapBytes(), 0u);
  EXPECT_EQ(short_name.view().AsString(), "abc");
}

TEST(ValueTest, ToValueOfAnInlineView) {
  Value v = Value::Double(1.5);
  Value w = v.view().ToValue();
  EXPECT_EQ(w.type(), Type::kDouble);
  EXPECT_EQ(w.view().AsDouble(), 1.5);
  EXPECT_TRUE(ValueView().ToValue().IsNull());
}

TEST(ValueTest, ConcurrentCopiesOfASharedBuffer) {
  Value doc = Value::Object({{"k", Value::String("shared between threads")}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&doc] {
      for (int i = 0; i < 20000; ++i) {
        Value copy = doc;
        Value sub = copy.Find("k")->ToValue();
        if (sub.view().AsString().size() != 22) std::abort();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(doc.Find("k")->AsString(), "shared between threads");
}

// ---------------------------------------------------------------------------------------------
// Objects, arrays, iteration, Find/At

TEST(ValueTest, ObjectKeepsKeyOrder) {
  Value v = Value::Object({{"z", Value::Int32(1)}, {"a", Value::Int32(2)}, {"m", Value::Null()}});
  EXPECT_EQ(v.size(), 3u);
  EXPECT_THAT(Keys(v.view()), ElementsAre("z", "a", "m"));
  std::vector<int32_t> values;
  for (const Field& f : v.view().fields()) {
    if (f.value.type() == Type::kInt32) values.push_back(f.value.AsInt32());
  }
  EXPECT_THAT(values, ElementsAre(1, 2));
}

TEST(ValueTest, ObjectFactoryDropsLaterDuplicates) {
  Value v = Value::Object({{"a", Value::Int32(1)}, {"b", Value::Int32(2)}, {"a", Value::Int32(3)}});
  EXPECT_EQ(v.size(), 2u);
  EXPECT_THAT(Keys(v.view()), ElementsAre("a", "b"));
  EXPECT_EQ(v.Find("a")->AsInt32(), 1);
}

TEST(ValueTest, ObjectAndArrayFromVectors) {
  std::vector<std::pair<std::string, Value>> fields;
  std::vector<Value> elements;
  for (int i = 0; i < 50; ++i) {
    fields.emplace_back("k" + std::to_string(i), Value::Int32(i));
    elements.push_back(Value::String(std::string(i, 'e')));
  }
  Value obj = Value::Object(fields);
  Value arr = Value::Array(elements);
  ASSERT_EQ(obj.size(), 50u);
  ASSERT_EQ(arr.size(), 50u);
  int i = 0;
  for (const Field& f : obj.view().fields()) {
    EXPECT_EQ(f.key, "k" + std::to_string(i));
    EXPECT_EQ(f.value.AsInt32(), i);
    ++i;
  }
  EXPECT_EQ(i, 50);
  i = 0;
  for (ValueView e : arr.view().elements()) {
    EXPECT_EQ(e.AsString(), std::string(i, 'e'));
    ++i;
  }
  EXPECT_EQ(i, 50);
  EXPECT_EQ(obj.Find("k49")->AsInt32(), 49);
  EXPECT_EQ(arr.view().At(49)->AsString(), std::string(49, 'e'));
}

TEST(ValueTest, IteratorArrowAndEmptyRanges) {
  Value obj = Value::Object({{"a", Value::Int32(1)}});
  auto it = obj.view().fields().begin();
  EXPECT_EQ(it->key, "a");
  EXPECT_EQ(it->value.AsInt32(), 1);
  ++it;
  EXPECT_TRUE(it == obj.view().fields().end());

  Value arr = Value::Array({Value::Bool(true)});
  auto ai = arr.view().elements().begin();
  EXPECT_EQ(ai->type(), Type::kBool);
  EXPECT_TRUE(ai != arr.view().elements().end());

  int n = 0;
  for (const Field& f : Value::Object({}).view().fields()) n += static_cast<int>(f.key.size()) + 1;
  for (ValueView e : Value::Array({}).view().elements()) n += e.IsNull() ? 1 : 2;
  // Wrong-type ranges are empty.
  for (const Field& f : arr.view().fields()) n += static_cast<int>(f.key.size()) + 1;
  for (ValueView e : obj.view().elements()) n += e.IsNull() ? 1 : 2;
  for (ValueView e : Value::String("not an array").view().elements()) n += e.IsNull() ? 1 : 2;
  EXPECT_EQ(n, 0);
}

TEST(ValueTest, IteratorKeyIsAndValueWithoutDecodingNames) {
  std::string long_name(70, 'n');  // beyond the dictionary's cap: stored inline
  std::string other_long(70, 'n');
  other_long.back() = 'm';  // same length, different bytes
  Value obj = Value::Object({{"a", Value::Int32(1)}, {long_name, Value::String("x")}});
  FieldKey a("a"), b("b"), longer(long_name), other(other_long);
  auto it = obj.view().fields().begin();
  EXPECT_TRUE(it.KeyIs(a));
  EXPECT_FALSE(it.KeyIs(b));
  EXPECT_FALSE(it.KeyIs(longer));
  EXPECT_EQ(it.value().AsInt32(), 1);
  ++it;
  EXPECT_TRUE(it.KeyIs(longer));
  EXPECT_FALSE(it.KeyIs(other));
  EXPECT_FALSE(it.KeyIs(a));
  EXPECT_EQ(it.value().AsString(), "x");
  // The name decodes on demand, after value() and KeyIs(), and again on a copy.
  EXPECT_EQ(it->key, long_name);
  auto copy = it;
  EXPECT_EQ((*copy).key, long_name);
}

// KeyIsStorable answers StorableName for interned names (from the dictionary's bit) and for
// names stored inline (from their bytes); key() carries the stored code.
// SpliceObject with hand-made edits: a replaced entry, a removed one, an insertion at the end
// and the header that goes with them, against the same object built directly.
TEST(ValueSpliceTest, EditsAnObjectsBytes) {
  const Value old_doc = Value::Object({{"_id", Value::Int32(1)},
                                       {"a", Value::String("short")},
                                       {"b", Value::Bool(true)},
                                       {"c", Value::Null()}});
  const Value source = Value::Object({{"a", Value::String("a longer string")},
                                      {"d", Value::Double(2.5)}});
  const ValueView doc = old_doc.view();
  const FieldKey a("a"), b("b"), d("d");
  const ValueView old_a = *doc.Find(a), old_b = *doc.Find(b);
  const ValueView new_a = *source.view().Find(a), new_d = *source.view().Find(d);
  auto entry = [](ValueView v, const FieldKey& key) {
    const unsigned char* begin = FieldEntryBegin(v, key);
    return std::pair(begin, static_cast<uint32_t>(FieldEntryEnd(v) - begin));
  };
  const auto [old_a_at, old_a_size] = entry(old_a, a);
  const auto [new_a_at, new_a_size] = entry(new_a, a);
  const auto [old_b_at, old_b_size] = entry(old_b, b);
  const auto [new_d_at, new_d_size] = entry(new_d, d);
  const int64_t delta = int64_t{new_a_size} - old_a_size - old_b_size + new_d_size;
  const ByteEdit edits[] = {
      ObjectHeaderEdit(doc, delta, 0),  // one field removed, one added
      {old_a_at, new_a_at, old_a_size, new_a_size, {}},
      {old_b_at, nullptr, old_b_size, 0, {}},
      {doc.payload() + doc.payload_size(), new_d_at, 0, new_d_size, {}},
  };
  const Value spliced = SpliceObject(doc, edits);
  const Value want = Value::Object({{"_id", Value::Int32(1)},
                                    {"a", Value::String("a longer string")},
                                    {"c", Value::Null()},
                                    {"d", Value::Double(2.5)}});
  EXPECT_TRUE(BytesIdentical(spliced.view(), want.view()));
  // No edits: a copy; a no-op header edit changes nothing either.
  EXPECT_TRUE(BytesIdentical(SpliceObject(doc, {}).view(), doc));
  const ByteEdit no_op[] = {ObjectHeaderEdit(doc, 0, 0)};
  EXPECT_EQ(no_op[0].old_size, 0u);
  EXPECT_TRUE(BytesIdentical(SpliceObject(doc, no_op).view(), doc));
}

// PlainFieldName: a storable, non-empty name that is not all digits; the iterator answers
// from the key dictionary's bit for interned names and from the bytes for inline ones.
// encoded_size: the type byte, then encoded_size() bytes of name, then the payload.
TEST(ValueTest, IteratorKeyIsPlainFieldNameAndEncodedSize) {
  const std::string long_plain(70, 'q');
  const std::string long_digits(70, '7');
  const std::vector<std::pair<std::string, bool>> names = {
      {"size", true},     {"", false},        {"$set", false},      {"a.b", false},
      {"0", false},       {"01", false},      {"123456789012", false}, {"a1", true},
      {"1a", true},       {"_id", true},      {long_plain, true},   {long_digits, false}};
  // Enough other names first that some ids need a two-byte key code.
  for (int i = 0; i < 200; ++i) FieldKey interned("encoded_size_filler_" + std::to_string(i));
  ValueBuilder b;
  b.BeginObject();
  for (const auto& [name, plain] : names) {
    b.Key(name);
    b.AppendInt32(7);
  }
  b.Key("encoded_size_filler_199");
  b.AppendInt32(7);
  ASSERT_TRUE(b.EndObject());
  Value obj = b.Finish();
  size_t i = 0;
  for (auto it = obj.view().fields().begin(); it != obj.view().fields().end(); ++it, ++i) {
    const std::string name = i < names.size() ? names[i].first : "encoded_size_filler_199";
    SCOPED_TRACE(name);
    if (i < names.size()) {
      EXPECT_EQ(it.KeyIsPlainFieldName(), names[i].second);
      EXPECT_EQ(PlainFieldName(name), names[i].second);
    }
    // The name's bytes end where the payload begins, and the type byte comes before them.
    const FieldKey key(name);
    const unsigned char* type_byte = it.value().payload() - key.encoded_size() - 1;
    EXPECT_EQ(static_cast<Type>(*type_byte), Type::kInt32);
  }
  EXPECT_EQ(i, names.size() + 1);
  // Stored inline (longer than 64 bytes): the code 70 << 1 | 1 takes two bytes, then the name.
  EXPECT_EQ(FieldKey(long_plain).encoded_size(), 2 + long_plain.size());
}

TEST(ValueTest, IteratorKeyIsStorableAndKey) {
  const std::string long_plain(70, 'p');
  const std::string long_dot = std::string(69, 'p') + ".";
  const std::string long_dollar = "$" + std::string(69, 'p');
  const std::vector<std::pair<std::string, bool>> names = {
      {"plain", true}, {"", true},         {"$set", false},      {"a.b", false},
      {".", false},    {"a$", true},       {long_plain, true},   {long_dot, false},
      {long_dollar, false}};
  std::vector<std::pair<std::string, Value>> fields;
  for (const auto& [name, storable] : names) fields.emplace_back(name, Value::Int32(1));
  ValueBuilder b;
  b.BeginObject();
  for (const auto& [name, value] : fields) {
    b.Key(name);
    b.Append(value.view());
  }
  ASSERT_TRUE(b.EndObject());
  Value obj = b.Finish();
  size_t i = 0;
  for (auto it = obj.view().fields().begin(); it != obj.view().fields().end(); ++it, ++i) {
    SCOPED_TRACE(names[i].first);
    EXPECT_EQ(it.KeyIsStorable(), names[i].second);
    EXPECT_EQ(StorableName(names[i].first), names[i].second);
    FieldKey key = it.key();
    EXPECT_EQ(key.name(), names[i].first);
    EXPECT_TRUE(it.KeyIs(key));
    ASSERT_TRUE(obj.view().Find(key).has_value());
  }
  EXPECT_EQ(i, names.size());
}

TEST(ValueTest, FieldKeyOfAnEmptyViewMatchesTheEmptyName) {
  FieldKey empty{std::string_view()};  // data() is null
  Value obj = Value::Object({{"", Value::Int32(5)}});
  EXPECT_TRUE(obj.view().fields().begin().KeyIs(empty));
  EXPECT_EQ(obj.view().Find(empty)->AsInt32(), 5);
}

TEST(ValueTest, FindAndAt) {
  Value doc = Value::Object({{"ab", Value::Int32(1)},
                             {"a", Value::Int32(2)},
                             {"", Value::Int32(3)},
                             {"list", Value::Array({Value::Int32(10), Value::String("x"),
                                                    Value::Object({{"k", Value::Null()}})})}});
  ValueView v = doc.view();
  EXPECT_EQ(v.Find("a")->AsInt32(), 2);  // not confused with the prefix-sharing "ab"
  EXPECT_EQ(v.Find("ab")->AsInt32(), 1);
  EXPECT_EQ(v.Find("")->AsInt32(), 3);
  EXPECT_EQ(v.Find("b"), std::nullopt);
  EXPECT_EQ(v.Find("abc"), std::nullopt);
  EXPECT_EQ(v.Find("A"), std::nullopt);

  ValueView list = *v.Find("list");
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.At(0)->AsInt32(), 10);
  EXPECT_EQ(list.At(1)->AsString(), "x");
  EXPECT_TRUE(list.At(2)->Find("k")->IsNull());
  EXPECT_EQ(list.At(3), std::nullopt);
  EXPECT_EQ(list.At(size_t{1} << 40), std::nullopt);

  // Wrong types.
  EXPECT_EQ(list.Find("0"), std::nullopt);
  EXPECT_EQ(v.At(0), std::nullopt);
  EXPECT_EQ(Value::Int32(1).view().Find("a"), std::nullopt);
  EXPECT_EQ(Value::String("abc").view().At(0), std::nullopt);
  EXPECT_EQ(Value::Int32(1).Find("a"), std::nullopt);
}

TEST(ValueTest, LongKeysUseMultiByteLengths) {
  // Key lengths 127, 128 (two LEB128 bytes) and 20000 (three bytes).
  std::string k127(127, 'a'), k128(128, 'b'), k20000(20000, 'c');
  Value doc = Value::Object({{k127, Value::Int32(1)},
                             {k128, Value::String("after a 128-byte key")},
                             {k20000, Value::Int32(3)},
                             {"last", Value::Int32(4)}});
  EXPECT_EQ(doc.Find(k127)->AsInt32(), 1);
  EXPECT_EQ(doc.Find(k128)->AsString(), "after a 128-byte key");
  EXPECT_EQ(doc.Find(k20000)->AsInt32(), 3);
  EXPECT_EQ(doc.Find("last")->AsInt32(), 4);
  EXPECT_THAT(Keys(doc.view()), ElementsAre(k127, k128, k20000, "last"));
}

// ---------------------------------------------------------------------------------------------
// ValueBuilder

TEST(ValueBuilderTest, NestedObjectsAndArrays) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("name");
  b.AppendString("report.pdf");
  b.Key("meta");
  b.BeginObject();
  b.Key("tags");
  b.BeginArray();
  b.AppendString("a");
  b.BeginArray();
  b.AppendInt32(1);
  b.AppendNull();
  b.EndArray();
  b.BeginObject();
  EXPECT_TRUE(b.EndObject());
  b.EndArray();
  b.Key("size");
  b.AppendInt64(int64_t{1} << 40);
  EXPECT_EQ(b.depth(), 2u);
  EXPECT_TRUE(b.EndObject());
  b.Key("flag");
  b.AppendBool(false);
  EXPECT_TRUE(b.EndObject());
  EXPECT_EQ(b.depth(), 0u);
  Value doc = b.Finish();

  Value expected = Value::Object(
      {{"name", Value::String("report.pdf")},
       {"meta", Value::Object({{"tags", Value::Array({Value::String("a"),
                                                      Value::Array({Value::Int32(1), Value()}),
                                                      Value::Object({})})},
                               {"size", Value::Int64(int64_t{1} << 40)}})},
       {"flag", Value::Bool(false)}});
  EXPECT_TRUE(Identical(doc.view(), expected.view()))
      << DebugString(doc.view()) << " vs " << DebugString(expected.view());
  ValueView tags = *doc.Find("meta")->Find("tags");
  EXPECT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags.At(1)->size(), 2u);
  EXPECT_TRUE(tags.At(1)->At(1)->IsNull());
  EXPECT_TRUE(tags.At(2)->IsObject());
  EXPECT_TRUE(tags.At(2)->empty());
}

TEST(ValueBuilderTest, EveryAppend) {
  ObjectId oid = *ObjectId::FromHex("ffeeddccbbaa998877665544");
  ValueBuilder b;
  b.BeginArray();
  b.AppendNull();
  b.AppendMinKey();
  b.AppendMaxKey();
  b.AppendBool(true);
  b.AppendInt32(-1);
  b.AppendInt64(-2);
  b.AppendDouble(-0.5);
  b.AppendString("a string of more than ten bytes");
  b.AppendBinary(5, std::string("\0\1", 2));
  b.AppendObjectId(oid);
  b.AppendDate(-86400000);
  b.AppendTimestamp(~uint64_t{0});
  b.AppendRegex("a+b", "i");
  b.EndArray();
  Value v = b.Finish();
  ASSERT_EQ(v.size(), 13u);
  std::vector<Type> types;
  for (ValueView e : v.view().elements()) types.push_back(e.type());
  EXPECT_THAT(
      types, ElementsAre(Type::kNull, Type::kMinKey, Type::kMaxKey, Type::kBool, Type::kInt32,
                         Type::kInt64, Type::kDouble, Type::kString, Type::kBinary, Type::kObjectId,
                         Type::kDate, Type::kTimestamp, Type::kRegex));
  ValueView a = v.view();
  EXPECT_TRUE(a.At(3)->AsBool());
  EXPECT_EQ(a.At(4)->AsInt32(), -1);
  EXPECT_EQ(a.At(5)->AsInt64(), -2);
  EXPECT_EQ(a.At(6)->AsDouble(), -0.5);
  EXPECT_EQ(a.At(7)->AsString(), "a string of more than ten bytes");
  EXPECT_EQ(a.At(8)->BinarySubtype(), 5);
  EXPECT_EQ(a.At(8)->BinaryData(), std::string_view("\0\1", 2));
  EXPECT_EQ(a.At(9)->AsObjectId(), oid);
  EXPECT_EQ(a.At(10)->AsDateMillis(), -86400000);
  EXPECT_EQ(a.At(11)->AsTimestamp(), ~uint64_t{0});
  EXPECT_EQ(a.At(12)->RegexPattern(), "a+b");
  EXPECT_EQ(a.At(12)->RegexFlags(), "i");
}

TEST(ValueBuilderTest, TopLevelScalars) {
  ValueBuilder b;
  b.AppendInt32(7);
  Value seven = b.Finish();
  EXPECT_EQ(seven.type(), Type::kInt32);
  EXPECT_EQ(seven.view().AsInt32(), 7);
  EXPECT_EQ(seven.HeapBytes(), 0u);

  b.AppendString("0123456789");  // inline
  Value s10 = b.Finish();
  EXPECT_EQ(s10.HeapBytes(), 0u);
  EXPECT_EQ(s10.view().AsString(), "0123456789");

  b.AppendString("0123456789a");  // heap
  Value s11 = b.Finish();
  EXPECT_EQ(s11.HeapBytes(), NodeBytes(15));
  EXPECT_EQ(s11.view().AsString(), "0123456789a");
}

TEST(ValueBuilderTest, KeyFromFieldKeyWritesTheSameBytesAsKeyFromAName) {
  std::string long_name(80, 'q');
  FieldKey a("alpha"), q(long_name);
  ValueBuilder by_key;
  by_key.BeginObject();
  by_key.Key(a);
  by_key.AppendInt32(1);
  by_key.Key(q);
  by_key.AppendString("long");
  by_key.EndObjectWithUniqueKeys();
  Value built = by_key.Finish();
  Value expected = Value::Object({{"alpha", Value::Int32(1)}, {long_name, Value::String("long")}});
  EXPECT_TRUE(BytesIdentical(built.view(), expected.view())) << DebugString(built.view());
  EXPECT_EQ(built.view().Find(long_name)->AsString(), "long");
}

TEST(ValueBuilderTest, KeyByNameAfterKeyByFieldKeyUsesTheNewName) {
  // The pending code of Key(FieldKey) must not leak into a later Key(name).
  FieldKey a("alpha");
  ValueBuilder b;
  b.BeginObject();
  b.Key(a);
  b.AppendInt32(1);
  b.Key("beta");
  b.AppendInt32(2);
  ASSERT_TRUE(b.EndObject());
  Value v = b.Finish();
  EXPECT_EQ(v.view().Find("beta")->AsInt32(), 2);
  EXPECT_EQ(v.view().Find("alpha")->AsInt32(), 1);
}

TEST(ValueBuilderTest, DuplicateKeyDetected) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  b.AppendInt32(1);
  b.Key("b");
  b.AppendInt32(2);
  b.Key("a");
  b.AppendInt32(3);
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "a");
  EXPECT_EQ(b.depth(), 0u);  // the object is still closed
}

TEST(ValueBuilderTest, DuplicateKeyInLargeObject) {
  ValueBuilder b;
  b.BeginObject();
  for (int i = 0; i < 100; ++i) {
    b.Key("key" + std::to_string(i));
    b.AppendInt32(i);
  }
  b.Key("key57");
  b.AppendNull();
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "key57");
}

TEST(ValueBuilderTest, NoFalseDuplicates) {
  ValueBuilder b;
  b.BeginObject();
  // Keys that share prefixes, differ in case, or are empty: all distinct.
  for (std::string_view k : {"a", "ab", "A", "", "a.b", "b", "ba"}) {
    b.Key(k);
    b.AppendInt32(1);
  }
  EXPECT_TRUE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "");
  EXPECT_EQ(b.Finish().size(), 7u);

  b.BeginObject();
  for (int i = 0; i < 100; ++i) {
    b.Key("key" + std::to_string(i));
    b.AppendInt32(i);
  }
  EXPECT_TRUE(b.EndObject());
  EXPECT_EQ(b.Finish().size(), 100u);
}

// The exact duplicate check over every kind of value, with names interned and stored inline
// (longer than the dictionary keeps), in every position: a regular expression after an inline
// name, say, must be stepped over as a regex, not read as one at the name's bytes.
TEST(ValueBuilderTest, DuplicateCheckStepsOverEveryValueAfterEveryKindOfName) {
  const std::string long_a(70, 'a'), long_b(70, 'b');
  const std::vector<std::string> names = {"x", long_a, "y", long_b};
  auto append = [](ValueBuilder& b, int kind) {
    switch (kind) {
      case 0: b.AppendRegex(std::string(40, 'r'), "i"); break;
      case 1: b.AppendString(std::string(30, 's')); break;
      case 2: b.AppendBinary(0, std::string(20, 'z')); break;
      default: b.BeginObject(); b.Key("k"); b.AppendInt32(1); ASSERT_TRUE(b.EndObject()); break;
    }
  };
  for (int kind = 0; kind < 4; ++kind) {
    for (size_t repeat = 0; repeat <= names.size(); ++repeat) {
      SCOPED_TRACE(::testing::Message() << "kind " << kind << " repeat " << repeat);
      ValueBuilder b;
      b.BeginObject();
      for (const std::string& name : names) {
        b.Key(name);
        append(b, kind);
      }
      if (repeat < names.size()) {  // the same name again: a duplicate to report
        b.Key(names[repeat]);
        b.AppendNull();
        EXPECT_FALSE(b.EndObject());
        EXPECT_EQ(b.duplicate_key(), names[repeat]);
      } else {
        EXPECT_TRUE(b.EndObject());
        EXPECT_EQ(b.Finish().size(), names.size());
      }
    }
  }
}

TEST(ValueBuilderTest, DuplicateDetectionIsPerObject) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  b.BeginObject();
  b.Key("a");  // same name as the parent's key: fine
  b.AppendInt32(1);
  EXPECT_TRUE(b.EndObject());
  b.Key("b");
  b.BeginObject();
  b.Key("x");
  b.AppendInt32(1);
  b.Key("x");
  b.AppendInt32(2);
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "x");
  EXPECT_TRUE(b.EndObject());  // the outer object has "a" and "b" only
}

// The key code an object stores for `name` (see the encoding in value.h): id << 1 for an
// interned name, length << 1 | 1 for one stored inline.
size_t StoredKeyCode(std::string_view name) {
  ValueBuilder b;
  b.BeginObject();
  b.Key(name);
  b.AppendNull();
  EXPECT_TRUE(b.EndObject());
  Value v = b.Finish();
  const unsigned char* p = v.view().payload() + 9;  // u32 size, u32 count, u8 type
  return internal::ReadKeyCode(&p);
}

// EndObject proves distinct keys cheaply when their ids differ in their low bits; two names
// whose ids agree there must still be told apart exactly, and still be caught when repeated.
TEST(ValueBuilderTest, DuplicateCheckIsExactForIdsThatShareLowBits) {
  // 65 fresh names: two of them have ids equal modulo 64.
  std::vector<std::string> names;
  std::vector<size_t> ids;
  for (int i = 0; i < 65; ++i) {
    names.push_back("low_bits_probe_" + std::to_string(i));
    const size_t code = StoredKeyCode(names.back());
    ASSERT_EQ(code & 1, 0u) << "interned";
    ids.push_back(code >> 1);
  }
  std::optional<std::pair<size_t, size_t>> pair;
  for (size_t i = 0; i < ids.size() && !pair; ++i) {
    for (size_t j = i + 1; j < ids.size() && !pair; ++j) {
      if (ids[i] % 64 == ids[j] % 64) pair = std::make_pair(i, j);
    }
  }
  ASSERT_TRUE(pair.has_value());
  const std::string& a = names[pair->first];
  const std::string& b = names[pair->second];

  ValueBuilder builder;
  builder.BeginObject();
  builder.Key(a);
  builder.AppendInt32(1);
  builder.Key(b);
  builder.AppendInt32(2);
  EXPECT_TRUE(builder.EndObject()) << a << " and " << b << " are different keys";
  Value v = builder.Finish();
  EXPECT_THAT(Keys(v.view()), ElementsAre(a, b));

  builder.BeginObject();
  builder.Key(a);
  builder.AppendInt32(1);
  builder.Key(b);
  builder.AppendInt32(2);
  builder.Key("x");
  builder.AppendInt32(3);
  builder.Key(b);
  builder.AppendInt32(4);
  EXPECT_FALSE(builder.EndObject());
  EXPECT_EQ(builder.duplicate_key(), b);
}

TEST(ValueBuilderTest, DuplicateAmongManyDistinctKeysIsCaught) {
  for (int repeat : {0, 7, 15, 16, 29, 30}) {
    ValueBuilder b;
    b.BeginObject();
    for (int i = 0; i < 31; ++i) {
      b.Key("many_" + std::to_string(i));
      b.AppendInt32(i);
    }
    b.Key("many_" + std::to_string(repeat));
    b.AppendNull();
    EXPECT_FALSE(b.EndObject()) << repeat;
    EXPECT_EQ(b.duplicate_key(), "many_" + std::to_string(repeat));
  }
}

TEST(ValueBuilderTest, DuplicateOfAFieldCopiedByAppendFieldsIsCaught) {
  Value source = Value::Object({{"a", Value::Int32(1)}, {"b", Value::Int32(2)}});
  ValueBuilder b;
  b.BeginObject();
  b.AppendFields(source.view().fields().begin(), source.view().fields().end());
  b.Key("c");
  b.AppendInt32(3);
  b.Key("b");
  b.AppendInt32(4);
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "b");

  b.Reset();
  b.BeginObject();
  b.Key("b");
  b.AppendInt32(0);
  auto second = ++source.view().fields().begin();
  b.AppendFields(second, source.view().fields().end());  // "b" again
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), "b");
}

TEST(ValueBuilderTest, DuplicateNamesStoredInlineAreCaught) {
  const std::string long_a(100, 'a');  // beyond the dictionary's 64-byte cap
  const std::string long_b = long_a.substr(1) + "b";
  ValueBuilder b;
  b.BeginObject();
  b.Key(long_a);
  b.AppendInt32(1);
  b.Key("short");
  b.AppendInt32(2);
  b.Key(long_b);
  b.AppendInt32(3);
  EXPECT_TRUE(b.EndObject());
  Value v = b.Finish();
  EXPECT_THAT(Keys(v.view()), ElementsAre(long_a, "short", long_b));

  b.BeginObject();
  b.Key(long_a);
  b.AppendInt32(1);
  b.Key("short");
  b.AppendInt32(2);
  b.Key(long_a);
  b.AppendInt32(3);
  EXPECT_FALSE(b.EndObject());
  EXPECT_EQ(b.duplicate_key(), long_a);
}

// Names are looked up through a per-thread cache that compares a name's length and first 16
// bytes before its remaining bytes: names alike in those parts are still different names.
TEST(ValueTest, NamesAlikeInLengthAndPrefixStayDistinct) {
  const std::string prefix = "sixteen_bytes_ab";  // 16 bytes
  const std::vector<std::string> names = {
      "",
      std::string(1, '\0'),
      std::string(2, '\0'),
      "a",
      std::string("a\0", 2),
      std::string("a\0\0\0\0\0\0\0", 8),
      std::string("a\0\0\0\0\0\0\0\0", 9),
      prefix,
      prefix + "1",
      prefix + "2",
      prefix + std::string(1, '\0'),
      prefix + "xxxxxxx1",
      prefix + "xxxxxxx2",
      prefix + "1xxxxxxx",
      prefix + "2xxxxxxx",
      prefix + std::string(48, 'y'),  // 64 bytes: the longest interned name
      prefix + std::string(47, 'y') + "z",
  };
  for (int round = 0; round < 2; ++round) {  // the second round hits the cache
    ValueBuilder b;
    b.BeginObject();
    for (size_t i = 0; i < names.size(); ++i) {
      b.Key(names[i]);
      b.AppendInt32(static_cast<int32_t>(i));
    }
    ASSERT_TRUE(b.EndObject()) << b.duplicate_key();
    Value v = b.Finish();
    EXPECT_EQ(Keys(v.view()), names);
    for (size_t i = 0; i < names.size(); ++i) {
      ASSERT_TRUE(v.view().Find(names[i]).has_value()) << i;
      EXPECT_EQ(v.view().Find(names[i])->AsInt32(), static_cast<int32_t>(i)) << i;
      EXPECT_EQ(StoredKeyCode(names[i]) & 1, 0u) << i << ": interned";
    }
  }
  // Many names alike in length and in their first 8 (or 16) bytes share cache sets: each
  // must still come back as itself.
  for (const std::string& head : {std::string("8_bytes_"), prefix}) {
    for (int i = 1000; i < 2000; ++i) {
      const std::string name = head + std::to_string(i);
      ValueBuilder b;
      b.BeginObject();
      b.Key(name);
      b.AppendInt32(i);
      ASSERT_TRUE(b.EndObject());
      Value v = b.Finish();
      ASSERT_THAT(Keys(v.view()), ElementsAre(name));
    }
  }
  // Every length up to the cap, each with its own id.
  std::vector<size_t> codes;
  for (size_t n = 0; n <= 64; ++n) codes.push_back(StoredKeyCode(std::string(n, 'q')));
  for (size_t n = 0; n <= 64; ++n) {
    EXPECT_EQ(StoredKeyCode(std::string(n, 'q')), codes[n]) << n;
    for (size_t m = 0; m < n; ++m) EXPECT_NE(codes[m], codes[n]) << m << " " << n;
  }
  EXPECT_EQ(StoredKeyCode(std::string(65, 'q')), (65u << 1) | 1);  // stored inline
}

TEST(ValueBuilderTest, FinishResetsForReuse) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("x");
  b.AppendInt32(1);
  b.Key("x");
  b.AppendInt32(2);
  EXPECT_FALSE(b.EndObject());
  Value first = b.Finish();
  EXPECT_EQ(b.duplicate_key(), "");  // reset by Finish
  EXPECT_EQ(b.depth(), 0u);

  b.BeginArray();
  b.AppendString("second value, on the heap");
  b.EndArray();
  Value second = b.Finish();
  EXPECT_EQ(second.size(), 1u);
  EXPECT_EQ(second.view().At(0)->AsString(), "second value, on the heap");
  EXPECT_EQ(first.size(), 2u);  // untouched by the reuse
  EXPECT_EQ(first.view().fields().begin()->value.AsInt32(), 1);
  EXPECT_NE(first.view().payload(), second.view().payload());
}

TEST(ValueBuilderTest, ResetForgetsAPartialValue) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  b.BeginArray();
  b.AppendInt32(1);
  EXPECT_EQ(b.depth(), 2u);
  b.Reset();
  EXPECT_EQ(b.depth(), 0u);
  b.AppendBool(true);
  Value v = b.Finish();
  EXPECT_EQ(v.type(), Type::kBool);
  EXPECT_TRUE(v.view().AsBool());
}

TEST(ValueBuilderTest, AppendCopiesAView) {
  Value copy;
  {
    Value source = Value::Object(
        {{"nested", Value::Array({Value::String("a long string inside"), Value::Int32(2)})}});
    ValueBuilder b;
    b.BeginObject();
    b.Key("copied");
    b.Append(*source.Find("nested"));
    b.Key("whole");
    b.Append(source.view());
    b.Key("inline");
    b.Append(Value::Double(2.5).view());
    EXPECT_TRUE(b.EndObject());
    copy = b.Finish();
    EXPECT_NE(copy.view().payload(), source.view().payload());
  }
  ValueView v = copy.view();
  EXPECT_EQ(v.Find("copied")->At(0)->AsString(), "a long string inside");
  EXPECT_EQ(v.Find("copied")->At(1)->AsInt32(), 2);
  EXPECT_EQ(v.Find("whole")->Find("nested")->size(), 2u);
  EXPECT_EQ(v.Find("inline")->AsDouble(), 2.5);
}

TEST(ValueBuilderTest, TruncateToDropsTheLastArrayElement) {
  ValueBuilder b;
  b.BeginArray();
  b.AppendInt32(1);
  ValueBuilder::Mark mark = b.GetMark();
  b.BeginObject();
  b.Key("$date");
  b.AppendInt32(5);
  EXPECT_TRUE(b.EndObject());
  b.TruncateTo(mark);
  b.AppendDate(5);  // what a codec does with {"$date": 5}
  b.EndArray();
  Value v = b.Finish();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.view().At(0)->AsInt32(), 1);
  EXPECT_EQ(v.view().At(1)->type(), Type::kDate);
  EXPECT_EQ(v.view().At(1)->AsDateMillis(), 5);
}

TEST(ValueBuilderTest, TruncateToDropsTheLastFieldWithItsKey) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("a");
  b.AppendInt32(1);
  ValueBuilder::Mark mark = b.GetMark();
  b.Key("b");
  b.BeginObject();
  b.Key("c");
  b.BeginArray();  // truncating from two levels deeper than the mark
  b.AppendString("dropped, with all of its nesting");
  b.TruncateTo(mark);
  EXPECT_EQ(b.depth(), 1u);
  b.Key("b");  // the same key again is not a duplicate: the first "b" is gone
  b.AppendInt32(2);
  EXPECT_TRUE(b.EndObject());
  Value v = b.Finish();
  EXPECT_EQ(v.size(), 2u);
  EXPECT_THAT(Keys(v.view()), ElementsAre("a", "b"));
  EXPECT_EQ(v.Find("b")->AsInt32(), 2);
}

TEST(ValueBuilderTest, TruncateToWithNothingAddedIsANoOp) {
  ValueBuilder b;
  b.BeginArray();
  b.AppendInt32(1);
  ValueBuilder::Mark mark = b.GetMark();
  b.TruncateTo(mark);
  b.EndArray();
  Value v = b.Finish();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v.view().At(0)->AsInt32(), 1);
}

TEST(ValueBuilderTest, TruncateToAtTopLevel) {
  ValueBuilder b;
  ValueBuilder::Mark mark = b.GetMark();
  b.BeginObject();
  b.Key("$binary");
  b.AppendString("AQID");
  EXPECT_TRUE(b.EndObject());
  b.TruncateTo(mark);
  b.AppendBinary(0, "\x01\x02\x03");
  Value v = b.Finish();
  EXPECT_EQ(v.type(), Type::kBinary);
  EXPECT_EQ(v.view().BinaryData(), "\x01\x02\x03");
}

TEST(ValueBuilderTest, LastValue) {
  ValueBuilder b;
  b.BeginObject();
  b.Key("n");
  b.AppendInt32(7);
  EXPECT_EQ(b.LastValue().type(), Type::kInt32);
  EXPECT_EQ(b.LastValue().AsInt32(), 7);
  b.Key("s");
  b.AppendString("a string that is not inline");
  EXPECT_EQ(b.LastValue().AsString(), "a string that is not inline");
  b.Key("o");
  b.BeginObject();
  b.Key("$InfNaN");
  b.AppendInt32(-1);
  EXPECT_TRUE(b.EndObject());
  ValueView last = b.LastValue();
  ASSERT_EQ(last.type(), Type::kObject);
  EXPECT_EQ(last.size(), 1u);
  EXPECT_EQ(last.Find("$InfNaN")->AsInt32(), -1);
  b.Key("a");
  b.BeginArray();
  b.AppendBool(true);
  b.AppendBool(false);
  b.EndArray();
  ASSERT_EQ(b.LastValue().type(), Type::kArray);
  EXPECT_EQ(b.LastValue().size(), 2u);
  EXPECT_FALSE(b.LastValue().At(1)->AsBool());
  EXPECT_TRUE(b.EndObject());
  ASSERT_EQ(b.LastValue().type(), Type::kObject);
  EXPECT_EQ(b.LastValue().size(), 4u);
  EXPECT_EQ(b.LastValue().Find("s")->AsString(), "a string that is not inline");
}

// The fused Append*Field / Begin*Field calls write the bytes of Key() followed by the
// Append*/Begin* call, for names interned or stored inline (beyond 64 bytes) and payloads of
// every length around the short-copy thresholds (4, 8, 16 bytes).
TEST(ValueBuilderTest, FusedFieldsWriteTheBytesOfKeyThenAppend) {
  std::vector<std::string> names;
  for (size_t n : {0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 64, 65, 70, 100}) {
    names.push_back(std::string(n, 'k'));
  }
  for (const std::string& name : names) {
    ValueBuilder fused;
    ValueBuilder plain;
    fused.BeginObject();
    plain.BeginObject();
    for (size_t len = 0; len <= 40; ++len) {
      const std::string key = name + "s" + std::to_string(len);
      const std::string value(len, static_cast<char>('a' + len % 26));
      fused.AppendStringField(key, value);
      plain.Key(key);
      plain.AppendString(value);
      EXPECT_EQ(fused.LastValue().AsString(), value);
    }
    fused.AppendInt32Field(name + "i", -7);
    plain.Key(name + "i");
    plain.AppendInt32(-7);
    fused.AppendInt64Field(name + "l", int64_t{1} << 40);
    plain.Key(name + "l");
    plain.AppendInt64(int64_t{1} << 40);
    fused.AppendDoubleField(name + "d", -0.5);
    plain.Key(name + "d");
    plain.AppendDouble(-0.5);
    fused.AppendBoolField(name + "t", true);
    plain.Key(name + "t");
    plain.AppendBool(true);
    fused.AppendBoolField(name + "f", false);
    plain.Key(name + "f");
    plain.AppendBool(false);
    fused.AppendDateField(name + "m", -1234);
    plain.Key(name + "m");
    plain.AppendDate(-1234);
    fused.BeginObjectField(name + "o");
    plain.Key(name + "o");
    plain.BeginObject();
    fused.AppendStringField(name, "inner");
    plain.Key(name);
    plain.AppendString("inner");
    EXPECT_TRUE(fused.EndObject());
    EXPECT_TRUE(plain.EndObject());
    fused.BeginArrayField(name + "a");
    plain.Key(name + "a");
    plain.BeginArray();
    fused.AppendInt32(1);
    plain.AppendInt32(1);
    fused.EndArray();
    plain.EndArray();
    EXPECT_TRUE(fused.EndObject());
    EXPECT_TRUE(plain.EndObject());
    Value a = fused.Finish();
    Value b = plain.Finish();
    EXPECT_TRUE(BytesIdentical(a.view(), b.view())) << "name of " << name.size() << " bytes";
    EXPECT_EQ(a.view().size(), 41u + 8u);
    EXPECT_EQ(a.Find(name + "s17")->AsString(), std::string(17, 'r'));
    EXPECT_EQ(a.Find(name + "l")->AsInt64(), int64_t{1} << 40);
    EXPECT_EQ(a.Find(name + "m")->AsDateMillis(), -1234);
    EXPECT_EQ(a.Find(name + "o")->Find(name)->AsString(), "inner");
    EXPECT_EQ(a.Find(name + "a")->At(0)->AsInt32(), 1);
  }
}

TEST(ValueBuilderTest, FusedFieldsAreCheckedForDuplicates) {
  const std::string long_name(80, 'x');  // stored inline
  for (const std::string& name : {std::string("dup"), long_name}) {
    ValueBuilder b;
    b.BeginObject();
    b.AppendStringField(name, "a");
    b.AppendInt32Field("other", 1);
    b.AppendBoolField(name, true);
    EXPECT_FALSE(b.EndObject());
    EXPECT_EQ(b.duplicate_key(), name);
    b.Reset();
    // A fused field and a plain Key() of the same name.
    b.BeginObject();
    b.Key(name);
    b.AppendInt32(1);
    b.BeginObjectField(name);
    EXPECT_TRUE(b.EndObject());
    EXPECT_FALSE(b.EndObject());
    EXPECT_EQ(b.duplicate_key(), name);
    b.Reset();
    b.BeginObject();
    b.AppendStringField(name, "a");
    b.AppendStringField(name + "2", "b");
    EXPECT_TRUE(b.EndObject());
  }
}

// ValueView::ToValue() promises an owning Value equal to the view; a LastValue() view of a
// buffered type has no node to share, and ToValue() currently copies its payload "inline"
// (assert in debug builds, a 14-byte overflow with NDEBUG). Enable once value.cc copies such
// views into a new buffer.
TEST(ValueBuilderTest, ToValueOfLastValueCopiesTheBytes) {
  ValueBuilder b;
  b.BeginArray();
  b.BeginObject();
  b.Key("a");
  b.AppendString("a long string that is not inline");
  EXPECT_TRUE(b.EndObject());
  Value object = b.LastValue().ToValue();
  b.AppendString("another string, not inline either");
  Value string = b.LastValue().ToValue();
  b.EndArray();
  Value whole = b.Finish();
  EXPECT_EQ(object.Find("a")->AsString(), "a long string that is not inline");
  EXPECT_EQ(string.view().AsString(), "another string, not inline either");
  EXPECT_TRUE(ValuesEqual(object.view(), *whole.view().At(0)));
}

TEST(ValueBuilderTest, HundredLevelsOfNesting) {
  ValueBuilder b;
  for (size_t i = 0; i < kMaxDepth; ++i) {
    if (i % 2 == 0) {
      b.BeginArray();
    } else {
      b.BeginObject();
      b.Key("k");
    }
  }
  EXPECT_EQ(b.depth(), kMaxDepth);
  b.AppendInt32(42);
  for (size_t i = kMaxDepth; i-- > 0;) {
    if (i % 2 == 0) {
      b.EndArray();
    } else {
      EXPECT_TRUE(b.EndObject());
    }
  }
  Value v = b.Finish();
  ValueView cur = v.view();
  for (size_t i = 0; i < kMaxDepth; ++i) {
    ASSERT_EQ(cur.size(), 1u);
    cur = i % 2 == 0 ? *cur.At(0) : *cur.Find("k");
  }
  EXPECT_EQ(cur.AsInt32(), 42);
}

// ---------------------------------------------------------------------------------------------
// ObjectId

TEST(ObjectIdTest, HexRoundTrip) {
  std::optional<ObjectId> oid = ObjectId::FromHex("5f1a2b3c4d5e6f7a8b9c0d1e");
  ASSERT_TRUE(oid.has_value());
  EXPECT_EQ(oid->bytes[0], 0x5f);
  EXPECT_EQ(oid->bytes[1], 0x1a);
  EXPECT_EQ(oid->bytes[11], 0x1e);
  EXPECT_EQ(oid->ToHex(), "5f1a2b3c4d5e6f7a8b9c0d1e");

  std::optional<ObjectId> upper = ObjectId::FromHex("ABCDEFABCDEF0123456789aB");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(upper->ToHex(), "abcdefabcdef0123456789ab");  // always lower case
  EXPECT_EQ(upper->bytes[0], 0xab);

  ObjectId zero;
  EXPECT_EQ(zero.ToHex(), "000000000000000000000000");
  ObjectId ones;
  ones.bytes.fill(0xff);
  EXPECT_EQ(ones.ToHex(), "ffffffffffffffffffffffff");
  EXPECT_EQ(*ObjectId::FromHex(ones.ToHex()), ones);
  EXPECT_FALSE(zero == ones);
}

TEST(ObjectIdTest, RejectsAnythingButTwentyFourHexDigits) {
  for (std::string_view bad :
       {"", "5f1a2b3c4d5e6f7a8b9c0d1", "5f1a2b3c4d5e6f7a8b9c0d1e0", "5f1a2b3c4d5e6f7a8b9c0d1g",
        "5f1a2b3c4d5e6f7a8b9c0d1 ", " 5f1a2b3c4d5e6f7a8b9c0d1", "0x1a2b3c4d5e6f7a8b9c0d1e",
        "5f1a2b3c-d5e6f7a8b9c0d1e", "zzzzzzzzzzzzzzzzzzzzzzzz"}) {
    EXPECT_EQ(ObjectId::FromHex(bad), std::nullopt) << "\"" << bad << "\"";
  }
  EXPECT_EQ(ObjectId::FromHex(std::string_view("5f1a2b3c4d5e6f7a8b9c0d1\0", 24)), std::nullopt);
}

}  // namespace
}  // namespace minimongo::query
