/// The version-4 golden segment (`SegmentFormatTests.versionFourGoldenSegmentStillReads`):
/// `SegmentV1Fixture.columns()` written without block statistics (44-byte metas) with
/// `CodecOptions.compact` by the commit that introduced version 4
/// (`CHARGELINE_PRINT_V4_FIXTURE=1 swift test --filter printVersionFourFixture`). Never
/// regenerate it: a failure means version-4 files no longer read.
enum SegmentV4Fixture {
    static let base64 =
        "Q0xTRwQAAAAAAKdExZfpGAAA9tVZ5ukYAQAAAAAAAAAEAAAAp0TFl+kYBv6aAQAn0RULLbJQtyAH9OrvfHsYKVtmywYA4aAP" +
        "IwxkoWPoKWpIB8y2g1vIcSaKTsaB4C0FezP3SJSeiJIexrJcWEEAAggEY2hhcmdpbmdpZGxlAAAAwP9qy9BSMAB+v9/v96B+" +
        "g6QkAAEoKAABiIiIiAhxrZS1IwAGHgEKuLYlwxMAAQAAKLw+AyOVABxFSCTFTeQUbKSYTIBF0mkBAAAAp0TFl+kYgKjWuQc/" +
        "yO+uEQAAAAAAABh5QAPUyAMO4P8f+CvmcItoEvj/VszhFtEk4P/g4BQyeQEAACi1L/1geQA9BQCEBwIAAAAPAHRlbGVtZXRy" +
        "eSxndW49MQUABABub3RlBAEAAABtABoAAAAoAKdExZfpGAD9NHgfmOkYIABNAAAAAgBvawOHCwMAc29jAZIQBgBzdGF0dXMC" +
        "ogoHAHZvbHRhZ2UArBwyAdsnAAAABSgSM8aX6RjIEwAAABQAIOOAK2QMiq5XFmIAYcBFVysC5IAzrlYJEAF+s1oLIAecYbUk" +
        "gABYyAGQAQIBAAAAAAAAtQAAAAJcvCECAAAABgAAAAQAAQBDTFNH"
    static let bytes = 471
}
