//! Markdown in agent messages: a small subset, read as the text streams in.
//!
//! What it understands: paragraphs (a single line break is a line break, a blank line ends
//! the paragraph), `-`/`*`/`+` and `1.` lists, ```` ``` ```` code blocks, `**strong**`,
//! `*emphasis*` (also with `_`, not inside words), `` `code` ``, `[links](https://…)` and
//! backslash escapes. Links keep their target only for `http:`, `https:` and `mailto:`;
//! any other (`javascript:`, `data:`, relative) shows its label as plain text. Nothing else
//! is markup: HTML, entities and images (`![a](b)` is a `!` and a link) are text. The output
//! is a list of [`Op`]s that the browser glue turns into DOM nodes, never HTML.
//!
//! **Streaming.** An agent's reply grows by small pieces. [`Stream::grow`] parses only from
//! where the last call's *committed* ops ended and splits its answer in two: committed ops
//! (what no later text can change: they are built once and never touched) and the tail
//! (the rest, drawn as if the text ended here and redrawn at the next call). Plain text is
//! committed as it comes, so a reply of plain words costs each piece its own bytes; what the
//! tail holds is only what is still open: a `**` waiting for its closer (shown as plain text
//! until then), a line start that may still become a list item or a fence. A commit point is
//! a place where nothing read so far depended on text not yet there: every look past the
//! end of the text ("is the next character another `*`?") makes the parser *blind*, and no
//! commit point is taken after that in this call.
//!
//! Pure: no browser, tested natively.

use docent_protocol::text::part;

/// One step of building a message's nodes, in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'t> {
    /// An element inside the current one; following ops go into it.
    Open(Tag<'t>),
    /// Back to the enclosing element.
    Close,
    Text(&'t str),
    /// A line break (`<br>`).
    Break,
}

/// The kinds of element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag<'t> {
    Paragraph,
    List,
    /// A numbered list starting at this number.
    NumberedList(u32),
    Item,
    CodeBlock,
    Strong,
    Emphasis,
    Code,
    /// A link whose target passed [`safe_link`].
    Link(&'t str),
}

/// The block the text is in at a commit point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Block {
    #[default]
    None,
    Paragraph,
    /// In an item of a list (numbered or not).
    List(bool),
    /// In a code block: whether a line of it was written (the next one starts with `\n`).
    Code(bool),
}

/// What [`Stream::grow`] found.
#[derive(Debug)]
pub struct Update<'t> {
    /// The ops from the last commit point on.
    pub ops: Vec<Op<'t>>,
    /// `ops[..committed]` are final; the rest is the tail, to draw until the next call.
    pub committed: usize,
    /// Where parsing started (bytes before it were not read again): the call's work.
    pub from: usize,
}

/// A message being parsed as it grows. Each call to [`Stream::grow`] must get the text of
/// the call before with more at its end (a message rewritten gets a new `Stream`).
#[derive(Debug, Default)]
pub struct Stream {
    at: usize,
    block: Block,
}

impl Stream {
    pub fn grow<'t>(&mut self, text: &'t str) -> Update<'t> {
        let from = self.at.min(text.len());
        let mut parser = Parser {
            text,
            bytes: text.as_bytes(),
            ops: Vec::new(),
            block: self.block,
            blind: false,
            committed: 0,
            commit: None,
        };
        parser.run(self.at);
        if let Some((at, block)) = parser.commit {
            self.at = at;
            self.block = block;
        }
        Update {
            ops: parser.ops,
            committed: parser.committed,
            from,
        }
    }
}

/// A whole text's ops at once.
pub fn parse(text: &str) -> Vec<Op<'_>> {
    Stream::default().grow(text).ops
}

/// Whether a link may keep its target: only `http:`, `https:` and `mailto:` URLs. Entities
/// are never decoded, so `&#106;avascript:` is not a scheme this lets through either.
/// The words of `text` without its markup, for a screen reader's announcement or a voice
/// (`**bold**` would otherwise be read out as stars).
pub fn plain(text: &str) -> String {
    let mut words = String::with_capacity(text.len());
    let mut open = Vec::new();
    for op in parse(text) {
        let apart = match op {
            Op::Text(t) => {
                words.push_str(t);
                false
            }
            Op::Open(tag) => {
                open.push(tag);
                false
            }
            // Blocks end apart from what follows; spans (bold, links) run on.
            Op::Close => !matches!(
                open.pop(),
                Some(Tag::Strong | Tag::Emphasis | Tag::Code | Tag::Link(_))
            ),
            Op::Break => true,
        };
        if apart && !words.is_empty() && !words.ends_with(' ') {
            words.push(' ');
        }
    }
    words.trim_end().to_string()
}

pub fn safe_link(url: &str) -> bool {
    ["http://", "https://", "mailto:"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    })
}

/// How far a span's closer may be from its opener, in bytes: further is plain text. It
/// bounds what a delimiter still open costs each streamed piece (it is read again until
/// its closer comes or this many bytes went by).
const MAX_SPAN: usize = 1_000;

/// How deep spans may nest: deeper delimiters are plain text (so no input can exhaust the
/// stack).
const MAX_DEPTH: u8 = 6;

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    ops: Vec<Op<'t>>,
    block: Block,
    /// Something read so far depended on text not yet there.
    blind: bool,
    /// Ops before the last commit point.
    committed: usize,
    /// The last commit point: where to resume, in which block.
    commit: Option<(usize, Block)>,
}

impl<'t> Parser<'t> {
    fn run(&mut self, mut i: usize) {
        let len = self.bytes.len();
        if i == 0 && len > 0 {
            i = self.line(0);
        }
        while i < len {
            i = if self.bytes[i] == b'\n' {
                self.line(i + 1)
            } else {
                self.rest_of_line(i)
            };
        }
    }

    /// The byte at `i`; past the end of the text, `None`, and the parser is blind.
    fn peek(&mut self, i: usize) -> Option<u8> {
        let byte = self.bytes.get(i).copied();
        self.blind |= byte.is_none();
        byte
    }

    fn mark(&mut self, at: usize) {
        if !self.blind {
            self.committed = self.ops.len();
            self.commit = Some((at, self.block));
        }
    }

    fn emit(&mut self, op: Op<'t>) {
        self.ops.push(op);
    }

    fn text(&mut self, from: usize, to: usize) {
        if from < to {
            self.emit(Op::Text(part(self.text, from..to)));
        }
    }

    fn end_of_line(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |p| from + p)
    }

    fn close_block(&mut self) {
        let closes = match self.block {
            Block::None => 0,
            Block::List(_) => 2,
            _ => 1,
        };
        for _ in 0..closes {
            self.emit(Op::Close);
        }
        self.block = Block::None;
    }

    /// The line starting at `start`: decides its block, then reads its text. Returns where
    /// the line ends (its `\n`, or the end of the text).
    fn line(&mut self, start: usize) -> usize {
        let eol = self.end_of_line(start);
        let complete = eol < self.bytes.len();
        let line = part(self.text, start..eol);
        let trimmed = line.trim_start_matches(' ');
        let body = start + (line.len() - trimmed.len());
        // A line that could still become a fence, a list item or a blank line.
        if !complete && could_become_marker(trimmed) {
            self.blind = true;
        }
        let fence = trimmed.starts_with("```");
        if let Block::Code(written) = self.block {
            if fence {
                self.close_block();
            } else {
                if written {
                    self.emit(Op::Text("\n"));
                }
                self.block = Block::Code(true);
                self.text(start, eol);
            }
        } else if trimmed.is_empty() {
            if complete {
                self.close_block();
            }
        } else if fence {
            self.close_block();
            self.emit(Op::Open(Tag::CodeBlock));
            self.block = Block::Code(false);
            // The rest of the fence line (a language name) is not shown.
            self.blind |= !complete;
        } else {
            let content = match list_marker(trimmed) {
                Some((numbered, number, marker)) => {
                    if self.block == Block::List(numbered) {
                        self.emit(Op::Close);
                    } else {
                        self.close_block();
                        self.emit(Op::Open(if numbered {
                            Tag::NumberedList(number)
                        } else {
                            Tag::List
                        }));
                    }
                    self.emit(Op::Open(Tag::Item));
                    self.block = Block::List(numbered);
                    body + marker
                }
                None => {
                    if self.block == Block::None {
                        self.emit(Op::Open(Tag::Paragraph));
                        self.block = Block::Paragraph;
                    } else {
                        self.emit(Op::Break);
                    }
                    body
                }
            };
            self.inline(content, eol, 0);
        }
        self.mark(eol);
        eol
    }

    /// The rest of a line after a commit point inside it.
    fn rest_of_line(&mut self, from: usize) -> usize {
        let eol = self.end_of_line(from);
        match self.block {
            Block::Code(_) => self.text(from, eol),
            Block::Paragraph | Block::List(_) => self.inline(from, eol, 0),
            // The rest of a fence line.
            Block::None => {}
        }
        self.mark(eol);
        eol
    }

    /// Text with spans between `from` and `to`. At the top level (`depth` 0) each piece read
    /// is a commit point.
    fn inline(&mut self, from: usize, to: usize, depth: u8) {
        let mut run = from;
        let mut i = from;
        while i < to {
            let b = self.bytes[i];
            if !matches!(b, b'\\' | b'`' | b'*' | b'_' | b'[') {
                i += 1;
                continue;
            }
            self.text(run, i);
            let end = match b {
                b'\\' => self.escape(i),
                b'`' => self.code(i, to),
                b'[' if depth < MAX_DEPTH => self.link(i, to, depth),
                b'*' | b'_' if depth < MAX_DEPTH => self.emphasis(i, to, depth),
                _ => None,
            };
            match end {
                Some(end) => {
                    i = end;
                    run = end;
                    if depth == 0 {
                        self.mark(end);
                    }
                }
                None => {
                    run = i;
                    i += 1;
                }
            }
        }
        self.text(run, to);
    }

    /// `\*`: the punctuation mark as text.
    fn escape(&mut self, i: usize) -> Option<usize> {
        let next = self.peek(i + 1)?;
        next.is_ascii_punctuation().then(|| {
            self.text(i + 1, i + 2);
            i + 2
        })
    }

    /// The first `needle` in `from..to`; none there while the line may still grow makes the
    /// parser blind.
    fn find(&mut self, from: usize, to: usize, needle: u8) -> Option<usize> {
        let found = self.bytes[from.min(to)..to]
            .iter()
            .position(|&b| b == needle);
        self.blind |= found.is_none() && to == self.bytes.len();
        found.map(|p| from + p)
    }

    /// `` `code` ``: its text as it is.
    fn code(&mut self, i: usize, to: usize) -> Option<usize> {
        let to = to.min(i + MAX_SPAN);
        let close = self.find(i + 1, to, b'`')?;
        if close == i + 1 {
            return None;
        }
        self.emit(Op::Open(Tag::Code));
        self.text(i + 1, close);
        self.emit(Op::Close);
        Some(close + 1)
    }

    /// `[label](url)`: a link when the URL is safe, else the label alone.
    fn link(&mut self, i: usize, to: usize, depth: u8) -> Option<usize> {
        let to = to.min(i + MAX_SPAN);
        let label_end = self.find(i + 1, to, b']')?;
        if self.peek(label_end + 1)? != b'(' {
            return None;
        }
        // The URL ends at the `)` that balances: `https://…/Rust_(language)`.
        let mut open = 0;
        let mut j = label_end + 2;
        let url_end = loop {
            match self.bytes[..to].get(j) {
                None => {
                    self.blind |= to == self.bytes.len();
                    return None;
                }
                Some(b'(') => open += 1,
                Some(b')') if open == 0 => break j,
                Some(b')') => open -= 1,
                _ => {}
            }
            j += 1;
        };
        let url = part(self.text, label_end + 2..url_end).trim();
        let safe = safe_link(url);
        if safe {
            self.emit(Op::Open(Tag::Link(url)));
        }
        // A label is text, code and escapes (no link inside a link, no spans to keep apart).
        self.inline(i + 1, label_end, MAX_DEPTH.max(depth));
        if safe {
            self.emit(Op::Close);
        }
        Some(url_end + 1)
    }

    /// `*em*`, `**strong**` (or with `_`): the span up to the first closer of the same kind.
    fn emphasis(&mut self, i: usize, to: usize, depth: u8) -> Option<usize> {
        let to = to.min(i + MAX_SPAN);
        let mark = self.bytes[i];
        let strong = self.peek(i + 1)? == mark;
        let width = 1 + strong as usize;
        let first = self.peek(i + width)?;
        let word_before = i > 0 && self.bytes[i - 1].is_ascii_alphanumeric();
        if first.is_ascii_whitespace() || (mark == b'_' && word_before) {
            return None;
        }
        let mut j = i + width + 1;
        while j < to {
            if self.bytes[j] != mark {
                j += 1;
                continue;
            }
            let run = self.bytes[j..].iter().take_while(|&&b| b == mark).count();
            let after = self.peek(j + run);
            let closes = !self.bytes[j - 1].is_ascii_whitespace()
                && if strong { run >= 2 } else { run == 1 }
                && !(mark == b'_' && after.is_some_and(|b| b.is_ascii_alphanumeric()));
            if closes {
                self.emit(Op::Open(if strong { Tag::Strong } else { Tag::Emphasis }));
                self.inline(i + width, j, depth + 1);
                self.emit(Op::Close);
                return Some(j + width);
            }
            j += run;
        }
        self.blind |= to == self.bytes.len();
        None
    }
}

/// `- `, `* `, `+ ` or `12. ` / `12) ` at the start of `line`: (numbered, number, length).
fn list_marker(line: &str) -> Option<(bool, u32, usize)> {
    let bytes = line.as_bytes();
    if matches!(bytes, [b'-' | b'*' | b'+', b' ', ..]) {
        return Some((false, 1, 2));
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if (1..10).contains(&digits) && matches!(bytes[digits..], [b'.' | b')', b' ', ..]) {
        let number = bytes[..digits]
            .iter()
            .fold(0, |n: u32, d| n * 10 + u32::from(d - b'0'));
        return Some((true, number, digits + 2));
    }
    None
}

/// Whether a line not yet ended may still turn out a fence, a list item or a blank line.
fn could_become_marker(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    line.len() < 3 && "```".starts_with(line)
        || matches!(line, "-" | "*" | "+")
        || digits < 10
            && (digits == line.len()
                || digits > 0 && digits + 1 == line.len() && line.ends_with(['.', ')']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_leave_the_markup_out() {
        assert_eq!(
            plain("Here's the **dashboard**, see [it](https://x.example)."),
            "Here's the dashboard, see it."
        );
        assert_eq!(plain("- one\n- two"), "one two");
        assert_eq!(
            plain("<b>raw</b>"),
            "<b>raw</b>",
            "raw HTML stays as the text it is"
        );
    }

    /// The ops drawn as HTML-like text, to compare in tests.
    fn html(ops: &[Op]) -> String {
        let mut out = String::new();
        let mut open = Vec::new();
        for op in ops {
            match op {
                Op::Open(tag) => {
                    let name = match tag {
                        Tag::Paragraph => "p".to_string(),
                        Tag::List => "ul".into(),
                        Tag::NumberedList(n) => format!("ol start={n}"),
                        Tag::Item => "li".into(),
                        Tag::CodeBlock => "pre".into(),
                        Tag::Strong => "b".into(),
                        Tag::Emphasis => "i".into(),
                        Tag::Code => "code".into(),
                        Tag::Link(url) => format!("a href={url}"),
                    };
                    out += &format!("<{name}>");
                    open.push(name.split(' ').next().unwrap().to_string());
                }
                Op::Close => out += &format!("</{}>", open.pop().expect("balanced")),
                Op::Text(t) => out += t,
                Op::Break => out += "<br>",
            }
        }
        out
    }

    fn md(text: &str) -> String {
        html(&parse(text))
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(md("Hello"), "<p>Hello");
        assert_eq!(md("a\nb\n\nc"), "<p>a<br>b</p><p>c");
        assert_eq!(md("a\n\n\n\nb\n"), "<p>a</p><p>b");
    }

    #[test]
    fn spans() {
        assert_eq!(md("**bold** and *it*"), "<p><b>bold</b> and <i>it</i>");
        assert_eq!(md("__b__ _i_"), "<p><b>b</b> <i>i</i>");
        assert_eq!(md("**a *b* c**"), "<p><b>a <i>b</i> c</b>");
        assert_eq!(md("*a **b** c*"), "<p><i>a <b>b</b> c</i>");
        assert_eq!(md("use `x * y`"), "<p>use <code>x * y</code>");
        assert_eq!(md("snake_case_name"), "<p>snake_case_name");
        assert_eq!(md("2 * 3 * 4"), "<p>2 * 3 * 4");
        assert_eq!(md("**not closed"), "<p>**not closed");
        assert_eq!(md("\\*lit\\*"), "<p>*lit*");
        assert_eq!(md("a ** b"), "<p>a ** b");
        let far = format!("*{}*", "x".repeat(MAX_SPAN));
        assert_eq!(md(&far), format!("<p>{far}"));
    }

    #[test]
    fn links() {
        assert_eq!(
            md("see [the docs](https://x.io/a_(b)) now"),
            "<p>see <a href=https://x.io/a_(b)>the docs</a> now"
        );
        assert_eq!(
            md("[mail](mailto:a@b.c)"),
            "<p><a href=mailto:a@b.c>mail</a>"
        );
        assert_eq!(md("[x](javascript:alert(1))"), "<p>x");
        assert_eq!(md("[x](JaVaScRiPt:alert(1))"), "<p>x");
        assert_eq!(md("[x](/relative)"), "<p>x");
        assert_eq!(
            md("![img](https://e.x/a.png)"),
            "<p>!<a href=https://e.x/a.png>img</a>"
        );
        assert_eq!(
            md("[a [b](https://x)](https://y)"),
            "<p><a href=https://x>a [b</a>](https://y)"
        );
        assert_eq!(md("[no url] here"), "<p>[no url] here");
    }

    #[test]
    fn lists_and_code_blocks() {
        assert_eq!(
            md("Steps:\n1. one\n2. **two**\n\n- a\n- b\nmore"),
            "<p>Steps:</p><ol start=1><li>one</li><li><b>two</b></li></ol><ul><li>a</li><li>b<br>more"
        );
        assert_eq!(md("3) c\n- d"), "<ol start=3><li>c</li></ol><ul><li>d");
        assert_eq!(
            md("run:\n```sh\n\nls *x*\n  <b>\n```\nafter"),
            "<p>run:</p><pre>\nls *x*\n  <b></pre><p>after"
        );
        assert_eq!(md("*not a list*"), "<p><i>not a list</i>");
    }

    #[test]
    fn html_is_text() {
        assert_eq!(
            md("<img src=x onerror=alert(1)>"),
            "<p><img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn only_three_schemes_keep_a_link() {
        for url in ["http://a", "HTTPS://a", "mailto:x@y"] {
            assert!(safe_link(url), "{url}");
        }
        for url in [
            "javascript:alert(1)",
            " javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "&#106;avascript:x",
            "java\tscript:x",
            "//evil.com",
            "/path",
            "https:/x",
            "",
            "é",
        ] {
            assert!(!safe_link(url), "{url}");
        }
    }

    /// A tree built the way the browser glue builds one: committed ops once, the tail drawn
    /// and taken away at the next call. Nodes are strings; the result as [`html`] writes it.
    #[derive(Default)]
    struct Tree {
        done: Vec<Op<'static>>,
        tail: Vec<Op<'static>>,
        stream: Stream,
        parsed: usize,
    }

    impl Tree {
        fn grow(&mut self, text: &str) {
            let update = self.stream.grow(text);
            self.parsed += text.len() - update.from;
            // Kept past this call: each op's own text is copied (once: the sum is linear).
            let keep = |op: &Op| match *op {
                Op::Text(t) => Op::Text(Box::leak(t.into())),
                Op::Open(Tag::Link(url)) => Op::Open(Tag::Link(Box::leak(url.into()))),
                Op::Open(tag) => Op::Open(match tag {
                    Tag::Paragraph => Tag::Paragraph,
                    Tag::List => Tag::List,
                    Tag::NumberedList(n) => Tag::NumberedList(n),
                    Tag::Item => Tag::Item,
                    Tag::CodeBlock => Tag::CodeBlock,
                    Tag::Strong => Tag::Strong,
                    Tag::Emphasis => Tag::Emphasis,
                    Tag::Code => Tag::Code,
                    Tag::Link(_) => unreachable!(),
                }),
                Op::Close => Op::Close,
                Op::Break => Op::Break,
            };
            self.done
                .extend(update.ops[..update.committed].iter().map(keep));
            self.tail = update.ops[update.committed..].iter().map(keep).collect();
        }

        fn html(&self) -> String {
            let all: Vec<Op> = self.done.iter().chain(&self.tail).copied().collect();
            // Adjacent texts are one node in the browser.
            html(&all)
        }
    }

    const SAMPLES: &[&str] = &[
        "Hello **there**, see [docs](https://a.b/c) and `code`.\n\n- one\n- *two*\n  more\n3. x\n\n```rs\nfn a() {}\n```\nok",
        "a_b_c *x **y** z* __u__ \\*\n\n\n1. a\n2. b\n\ntext\n```\n```\n",
        "**unclosed and [half](https://x\n- item `tick\n\n``not fence``",
        "<script>alert(1)</script> & &amp; [x](javascript:a) ![i](data:x) *a\n*b*",
    ];

    /// However a text arrives (byte by byte, or in pieces of any size), what is drawn
    /// at each step ends as the text parsed at once, and each step only adds to the
    /// committed part.
    #[test]
    fn streamed_text_draws_the_same_as_the_whole() {
        let corpus = corpus();
        let texts = SAMPLES
            .iter()
            .copied()
            .chain(corpus.iter().map(|(p, _)| p.as_str()));
        for text in texts {
            for step in [1, 2, 3, 7, 50] {
                let mut tree = Tree::default();
                let mut end = 0;
                while end < text.len() {
                    end = (end + step).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    tree.grow(&text[..end]);
                    assert_eq!(tree.html(), md(&text[..end]), "{text:?} at {end}");
                }
            }
        }
    }

    /// 5,000 pieces of four bytes grow one message of plain words, then one of markdown:
    /// the bytes parsed add up to about the message, not its square.
    #[test]
    fn streaming_reads_each_byte_about_once() {
        for (name, start, piece, most) in [
            ("plain", "", "abc ", 2),
            (
                "markdown",
                "",
                "**b** *i* `c` [l](https://x.y)\n- it\n\n",
                2,
            ),
            // Each piece reads the open span again, up to MAX_SPAN bytes.
            ("a ** never closed", "**", "abc ", MAX_SPAN / 4 + 2),
        ] {
            let mut text = String::from(start);
            let mut tree = Tree::default();
            let started = std::time::Instant::now();
            for _ in 0..5_000 {
                text.push_str(piece);
                tree.grow(&text);
            }
            println!(
                "{name}: 5,000 updates, {} bytes, {} bytes parsed ({:.2} per byte), {} ms (debug build)",
                text.len(),
                tree.parsed,
                tree.parsed as f64 / text.len() as f64,
                started.elapsed().as_millis()
            );
            assert!(tree.parsed <= most * text.len(), "{name}: {}", tree.parsed);
            assert_eq!(tree.html(), md(&text));
        }
    }

    /// The corpus shared with the end-to-end test: `{payload, shows}` per line.
    pub(crate) fn corpus() -> Vec<(String, String)> {
        include_str!("../tests/xss-corpus.jsonl")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect(line);
                (
                    v["payload"].as_str().unwrap().to_string(),
                    v["shows"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Every payload of the corpus: no link but to http(s) or mailto, and what it must show
    /// is in the text shown.
    #[test]
    fn the_xss_corpus_keeps_no_unsafe_link_and_shows_its_text() {
        let corpus = corpus();
        assert!(corpus.len() >= 50, "{} payloads", corpus.len());
        for (payload, shows) in &corpus {
            let ops = parse(payload);
            let mut shown = String::new();
            for op in &ops {
                match op {
                    Op::Open(Tag::Link(url)) => assert!(safe_link(url), "{payload}: {url}"),
                    Op::Text(t) => shown.push_str(t),
                    Op::Break => shown.push('\n'),
                    _ => {}
                }
            }
            assert!(
                shown.contains(shows.as_str()),
                "{payload:?} shows {shown:?}"
            );
        }
    }
}
