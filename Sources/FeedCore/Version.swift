/// The release, for `--version`, the User-Agent and the status reports.
public enum FeedspoolVersion {
    public static let string = "0.1.0"
}
