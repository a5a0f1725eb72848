//! The parsing of what a learner types: one number, or a list of them, each refusal saying why.

use std::fmt;

/// Why a typed number was refused. Each message names the input and the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// A leading minus sign: primality here is about whole numbers ≥ 0.
    Negative(String),
    /// Digits only, but more than `u64::MAX`.
    TooLarge(String),
    /// A `+` sign, or more than one sign: the digits go alone.
    Sign(String),
    /// `0x…`: hexadecimal.
    Hex(String),
    /// A decimal point: `4.5`.
    Fraction(String),
    /// Scientific notation: `1e9`.
    Exponent(String),
    /// `_` or `,` where a digit separator cannot be: `1__0`, `_7`, `1,00`,
    /// or both kinds in one number.
    Separator(String),
    /// Anything else: letters, spaces inside, other scripts' digits…
    NotDecimal(String),
}

/// `1e9`, `1.5e3` written out (`1000000000`, `1500`) when that is a whole
/// number of at most 20 digits.
fn exponent_digits(s: &str) -> Option<String> {
    let (mantissa, exponent) = s.split_once(['e', 'E'])?;
    let exponent: i64 = exponent.parse().ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let zeros = exponent.checked_sub(fraction.len() as i64)?;
    if !(0..=20).contains(&zeros) {
        return None;
    }
    let digits = format!("{whole}{fraction}{}", "0".repeat(zeros as usize));
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.len() <= 20).then(|| digits.to_string())
}

/// The first character of `s` that is not an ASCII digit, as a message shows it.
fn first_non_digit(s: &str) -> String {
    match s.chars().find(|c| !c.is_ascii_digit()) {
        Some(' ') => "a space".into(),
        Some(c) if c.is_whitespace() => format!("a whitespace character (U+{:04X})", c as u32),
        Some(c) if c.is_numeric() => format!("'{c}', a digit of another script"),
        Some(c) => format!("'{c}'"),
        None => "nothing".into(),
    }
}

/// How much of a refused input an error message repeats.
const ECHO_CHARS: usize = 40;

/// The input as the message shows it: quoted, long inputs shortened.
pub fn echo(input: &str) -> String {
    let count = input.chars().count();
    if count <= ECHO_CHARS {
        format!("\"{input}\"")
    } else {
        let head: String = input.chars().take(ECHO_CHARS).collect();
        format!("\"{head}…\" ({count} characters)")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(
                f,
                "no number given: type a whole number from 0 to {}",
                u64::MAX
            ),
            ParseError::Negative(s) => write!(
                f,
                "{} is negative: spinlab checks whole numbers from 0 to {}",
                echo(s),
                u64::MAX
            ),
            ParseError::TooLarge(s) => write!(
                f,
                "{} is above {} (2^64 − 1), the largest number spinlab checks",
                echo(s),
                u64::MAX
            ),
            ParseError::Sign(s) => write!(f, "{} has a sign: type the digits alone (0-9)", echo(s)),
            ParseError::Hex(s) => {
                let value = u64::from_str_radix(&s[2..], 16)
                    .map_or(String::new(), |v| format!(", {v} in decimal"));
                write!(
                    f,
                    "{} is hexadecimal{value}: spinlab reads decimal digits only",
                    echo(s)
                )
            }
            ParseError::Fraction(s) => write!(
                f,
                "{} has a decimal point: is_prime takes whole numbers",
                echo(s)
            ),
            ParseError::Exponent(s) => match exponent_digits(s) {
                Some(digits) => write!(
                    f,
                    "{} is in scientific notation: write its digits, {digits}",
                    echo(s)
                ),
                None => write!(
                    f,
                    "{} is in scientific notation, and not a whole number up to {}: write the digits out",
                    echo(s),
                    u64::MAX
                ),
            },
            ParseError::Separator(s) => write!(
                f,
                "{} has a misplaced separator: `_` goes between two digits (5_000_111), \
                 `,` between groups of three (1,000,003), one kind to a number",
                echo(s)
            ),
            ParseError::NotDecimal(s) => write!(
                f,
                "{} is not a decimal integer: it contains {}, and only the digits 0-9 are allowed",
                echo(s),
                first_non_digit(s)
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a number as a learner types it: decimal digits, with surrounding
/// whitespace and digit separators allowed: `_` between two digits, as in
/// Python and Rust (`5_000_111_000_222_021`), or `,` between groups of three
/// (`1,000,003`), one kind to a number. Every refusal says why.
pub fn parse_number(input: &str) -> Result<u64, ParseError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    let is_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let separated = |t: &str| {
        t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'_' || b == b',')
            && t.bytes().any(|b| b.is_ascii_digit())
    };
    if let Some(rest) = s.strip_prefix('-')
        && separated(rest)
    {
        return Err(ParseError::Negative(s.to_owned()));
    }
    if s.starts_with('+') || s.starts_with('-') {
        return Err(ParseError::Sign(s.to_owned()));
    }
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ParseError::Hex(s.to_owned()));
    }
    if let Some((whole, fraction)) = s.split_once('.')
        && (is_digits(whole) || is_digits(fraction))
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(ParseError::Fraction(s.to_owned()));
    }
    if let Some((mantissa, exponent)) = s.split_once(['e', 'E'])
        && mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && is_digits(exponent.trim_start_matches(['+', '-']))
    {
        return Err(ParseError::Exponent(s.to_owned()));
    }
    let digits = if separated(s) && !is_digits(s) {
        without_separators(s).ok_or_else(|| ParseError::Separator(s.to_owned()))?
    } else if is_digits(s) {
        s.to_owned()
    } else {
        return Err(ParseError::NotDecimal(s.to_owned()));
    };
    // Only digits: the one way left to fail is overflow.
    digits
        .parse::<u64>()
        .map_err(|_| ParseError::TooLarge(s.to_owned()))
}

/// The digits of `1_000_003` or `1,000,003`, or `None` when a separator is
/// misplaced or both kinds are used.
fn without_separators(s: &str) -> Option<String> {
    let underscores = s.contains('_');
    if underscores && s.contains(',') {
        return None;
    }
    let separator = if underscores { '_' } else { ',' };
    let groups: Vec<&str> = s.split(separator).collect();
    let ok = if underscores {
        groups.iter().all(|g| !g.is_empty())
    } else {
        (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3)
    };
    ok.then(|| groups.concat())
}

/// Whether `token` reads as one comma-grouped number (`1,000,003`): in a
/// typed list, where commas also separate numbers, that is ambiguous.
fn comma_grouped(token: &str) -> bool {
    let groups: Vec<&str> = token.split(',').collect();
    groups.len() > 1
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// The most numbers a pool run takes.
pub const MAX_NUMBERS: usize = 10_000;

/// Parses a typed list: numbers separated by new lines, spaces, `;` or `,`
/// (blank entries are skipped; `_` still separates digits). Because `,`
/// separates numbers here, `1,000,003` could be one number or three: it is
/// refused with both readings. Errors name the line and the reason.
pub fn parse_number_list(text: &str) -> Result<Vec<u64>, String> {
    let entries: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .flat_map(|(i, line)| {
            line.split(|c: char| c.is_whitespace() || c == ';')
                .filter(|t| !t.is_empty())
                .map(move |t| (i, t))
        })
        .collect();
    let mut numbers = Vec::new();
    for &(i, token) in &entries {
        if comma_grouped(token) {
            let one: String = token.split(',').collect();
            return Err(format!(
                "line {}: \"{token}\" could be one number ({one}) or {} numbers: \
                 write {one} or {} for one, or put a space after each comma for several",
                i + 1,
                token.split(',').count(),
                token.replace(',', "_")
            ));
        }
        for entry in token.split(',').filter(|e| !e.is_empty()) {
            numbers.push((i, entry));
        }
    }
    if numbers.is_empty() {
        return Err(
            "no numbers to check: type some, one per line or separated by spaces or commas".into(),
        );
    }
    // The first bad entry is named before the count is: a paste of prose
    // is refused for its first word.
    let count = numbers.len();
    let numbers = numbers
        .into_iter()
        .map(|(i, entry)| parse_number(entry).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect::<Result<Vec<u64>, String>>()?;
    if count > MAX_NUMBERS {
        return Err(format!(
            "{count} numbers: a run takes at most {MAX_NUMBERS}"
        ));
    }
    Ok(numbers)
}
