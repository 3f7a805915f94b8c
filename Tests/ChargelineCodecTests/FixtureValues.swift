/// The values stored in the binary fixtures under `Fixtures/` (written once by version 1 of the
/// codecs; see Fixtures/README.md). Never change these: the fixtures must keep decoding to them.
enum FixtureValues {
    /// `timestamps-delta-v1.bin`: 64 timestamps, 10 s apart with a -1/0/+1 s pattern.
    static let timestamps: [Int64] = (0..<64).map { i in
        1_700_000_000_000_000_000 + Int64(i) * 10_000_000_000 + Int64(i % 3 - 1) * 1_000_000_000
    }

    /// `floats-xor-zstd-v1.bin`: 512 voltages cycling through 230.0 ... 230.9.
    static let floats: [Double] = (0..<512).map { i in 230.0 + Double(i % 10) / 10 }
}
