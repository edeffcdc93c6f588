/// When to fetch an item's page for its full text.
public enum FullTextMode: String, Sendable, CaseIterable {
    /// When the feed's own text is a teaser (`TeaserRule`).
    case auto
    /// For every new item.
    case always
    /// Never: the feed's text is the article.
    case never
}
