import FeedCore

// Where each field's value goes once its text is read: the feed's or the item's, the first
// of each kind kept, and the item finished at its end tag.
extension FeedDocumentBuilder {
    /// Puts the value of a rich-text field where it goes; the first of each kind wins
    /// (`dc:description` is kept until the item ends, when it stands in for a summary).
    mutating func place(_ field: Field, _ text: RichText?) {
        switch field {
        case .feedTitle: if info.title == nil { info.title = text }
        case .feedSubtitle: if info.subtitle == nil { info.subtitle = text }
        case .title: if itemState.item.title == nil { itemState.item.title = text }
        case .summary: if itemState.item.summary == nil { itemState.item.summary = text }
        case .content: if itemState.item.content == nil { itemState.item.content = text }
        case .mediaDescription: if itemState.mediaDescription == nil { itemState.mediaDescription = text }
        case .dcDescription: itemState.dcDescription = text
        default: break
        }
    }

    mutating func store(_ field: Field, raw: String, isXHTML: Bool, base: String?) {
        switch field {
        case .feedTitle(let kind), .feedSubtitle(let kind), .title(let kind), .summary(let kind), .content(let kind):
            place(field, richText(raw, kind: kind, isXHTML: isXHTML))
        case .mediaDescription(let kind): place(field, richText(raw, kind: kind, isXHTML: false))
        case .dcDescription: place(field, .html(UTF8Text(raw)))
        case .feedLink:
            let text = raw.trimmingXMLSpace
            if !text.isEmpty && info.link == nil { info.link = URLResolver.resolve(text, against: base) }
        case .feedId: if info.id == nil { info.id = raw.trimmingXMLSpace.nilIfEmpty }
        case .feedUpdated, .feedPublished, .published, .updated:
            var value = raw
            value.withUTF8 { storeDate(field, $0) }
        case .feedLanguage: if let language = LanguageTag.normalize(raw) { info.language = language }
        case .feedImage:
            if let url = raw.trimmingXMLSpace.nilIfEmpty, info.image == nil { info.image = URLResolver.resolve(url, against: base) }
        case .feedTTL: info.ttlMinutes = Int(raw.trimmingXMLSpace)
        case .updatePeriod: info.updatePeriod = raw.trimmingXMLSpace.nilIfEmpty
        case .updateFrequency: info.updateFrequency = Int(raw.trimmingXMLSpace)
        case .skipHour:
            // 0-23 in GMT; some feeds write 24 for midnight.
            if let hour = Int(raw.trimmingXMLSpace), (0...24).contains(hour), !info.skipHours.contains(hour % 24) { info.skipHours.append(hour % 24) }
        case .skipDay:
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            if let day = days.firstIndex(of: raw.trimmingXMLSpace.lowercased()), !info.skipDays.contains(day) { info.skipDays.append(day) }
        case .feedRSSAuthor, .feedCreator:
            if info.authors.isEmpty, let author = PersonText.person(raw) { info.authors.append(author) }
        case .feedPublisher: if info.publisher == nil { info.publisher = PersonText.person(raw) }
        case .personName: person.name = PersonText.plainName(raw).nilIfEmpty
        case .personEmail: person.email = raw.trimmingXMLSpace.nilIfEmpty
        case .personURI: person.uri = raw.trimmingXMLSpace.nilIfEmpty.map { URLResolver.resolve($0, against: base) }

        case .link:
            if let text = raw.trimmingXMLSpace.nilIfEmpty, itemState.item.link == nil {
                itemState.item.link = URLResolver.resolve(text, against: base)
            }
        case .guid(let permaLink):
            if itemState.item.guid == nil, let guid = raw.trimmingXMLSpace.nilIfEmpty {
                itemState.item.guid = guid
                itemState.item.guidIsPermaLink = permaLink
            }
        case .rssAuthor: if let author = PersonText.person(raw) { itemState.item.authors.append(author) }
        case .publisher: if itemState.item.publisher == nil { itemState.item.publisher = PersonText.person(raw) }
        case .category:
            if let text = TextBuilder.oneLine(raw).nilIfEmpty { Self.add(text, to: &itemState.item.categories) }
        case .comments:
            if let text = raw.trimmingXMLSpace.nilIfEmpty { itemState.item.commentsURL = URLResolver.resolve(text, against: base) }
        case .mediaTitle: itemState.mediaTitle = raw
        case .dcTitle: itemState.dcTitle = raw
        case .itunesSummary: itemState.itunesSummary = raw
        case .itunesAuthor: itemState.itunesAuthor = raw
        case .itemLanguage: itemState.item.language = LanguageTag.normalize(raw) ?? itemState.item.language
        }
    }

    /// Puts a date field's value (its text as bytes) where it goes; the first of each kind wins.
    mutating func storeDate(_ field: Field, _ text: UnsafeBufferPointer<UInt8>) {
        switch field {
        case .feedUpdated: if info.updated == nil { info.updated = parseDate(text, "updated") }
        case .feedPublished: if info.published == nil { info.published = parseDate(text, "published") }
        case .published:
            if itemState.item.published == nil { itemState.item.published = parseDate(text, "published") }
        case .updated: if itemState.item.updated == nil { itemState.item.updated = parseDate(text, "updated") }
        default: break
        }
    }

    /// Appends a category, with room for a few at the first (items often have several).
    static func add(_ category: String, to categories: inout [String]) {
        if categories.isEmpty { categories.reserveCapacity(4) }
        categories.append(category)
    }

    mutating func finishItem() {
        // Taken out of the builder rather than copied: no retain/release of every field.
        var st = ItemState()
        swap(&st, &itemState)
        var item = FeedItem()
        swap(&item, &st.item)
        if item.summary == nil {
            item.summary = st.dcDescription ?? st.mediaDescription ?? st.itunesSummary.map { RichText.text($0) }
        }
        if item.title == nil {
            if let text = st.dcTitle ?? st.mediaTitle { item.title = richText(text, kind: .rssTitle, isXHTML: false) }
        }
        if item.authors.isEmpty, let author = st.itunesAuthor.flatMap({ PersonText.plainName($0).nilIfEmpty }) {
            item.authors.append(Person(name: author))
        }
        if item.thumbnail == nil { item.thumbnail = st.itunesImage }
        // Room for a feed's usual count at once, rather than growing (and moving every
        // item) from one to two, four, … .
        if items.capacity == 0 { items.reserveCapacity(64) }
        items.append(item)
    }
}
