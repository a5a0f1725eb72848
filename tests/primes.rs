//! Native tests of the prime core (`cargo test` at the repo root).
//!
//! Expected values are literals or come from oracles written here, apart
//! from `spinlab::core::primes`: a Miller-Rabin with other witnesses, a sieve, the
//! book's loop written again. Literals marked "(Python)" were computed once
//! with Python 3's integers (`math.isqrt`, trial division, Miller-Rabin),
//! never with the functions under test.
#![cfg(not(target_arch = "wasm32"))]

use spinlab::core::primes::{
    BOOK_PRIME, LARGEST_U64_PRIME, NUMBERS, PRIME_FIXTURE, ParseError, check, check_with, is_prime,
    miller_rabin, next_prime, parse_number,
};

/// A small deterministic generator (splitmix64) for sampled inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The test's own primality oracle, written apart from `spinlab::core::primes`:
/// the primes up to 37 by division, then a deterministic Miller-Rabin with
/// Jim Sinclair's seven bases (proven for every n < 2^64), in u128
/// arithmetic. The library's Miller-Rabin uses other witnesses (the first
/// twelve primes): where the two agree, two witness sets say so.
fn oracle_is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    for p in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let m = u128::from(n);
    let mul = |a: u128, b: u128| a * b % m;
    let pow = |mut base: u128, mut exp: u64| {
        let mut acc = 1;
        while exp > 0 {
            if exp & 1 == 1 {
                acc = mul(acc, base);
            }
            base = mul(base, base);
            exp >>= 1;
        }
        acc
    };
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in [2u64, 325, 9_375, 28_178, 450_775, 9_780_504, 1_795_265_022] {
        let a = a % n;
        if a == 0 {
            continue;
        }
        let mut x = pow(u128::from(a), d);
        if x == 1 || x == m - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul(x, x);
            if x == m - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// Eratosthenes' sieve: which numbers below `limit` are prime.
fn sieve(limit: usize) -> Vec<bool> {
    let mut prime = vec![true; limit];
    prime[..2.min(limit)].fill(false);
    let mut i = 2;
    while i * i < limit {
        if prime[i] {
            (i * i..limit).step_by(i).for_each(|k| prime[k] = false);
        }
        i += 1;
    }
    prime
}

/// The book's loop written again, counting: `(answer, divisions made)`,
/// the divisions being the odd `i` from 3 with `i * i <= n` tried before
/// the answer (all of them for a prime; up to the smallest factor else).
fn book_loop(n: u64) -> (bool, u64) {
    if n < 2 {
        return (false, 0);
    }
    if n == 2 {
        return (true, 0);
    }
    if n.is_multiple_of(2) {
        return (false, 0);
    }
    let mut divisions = 0;
    let mut i = 3u64;
    while i.checked_mul(i).is_some_and(|square| square <= n) {
        divisions += 1;
        if n.is_multiple_of(i) {
            return (false, divisions);
        }
        i += 2;
    }
    (true, divisions)
}

/// How many odd numbers 3, 5, … there are up to `root`.
fn odd_from_3_to(root: u64) -> u64 {
    if root < 3 { 0 } else { (root - 3) / 2 + 1 }
}

/// The smallest factor of `n` below `limit`, found by division here.
fn small_factor(n: u64, limit: u64) -> Option<u64> {
    (2..limit.min(n)).find(|&d| n.is_multiple_of(d))
}

/// Every number is checked by the book's loop, the library's Miller-Rabin
/// and the test's oracle, and all three must agree.
fn assert_agree(n: u64) {
    let expected = oracle_is_prime(n);
    assert_eq!(is_prime(n), expected, "is_prime({n}) against the oracle");
    assert_eq!(
        miller_rabin(n),
        expected,
        "miller_rabin({n}) against the oracle"
    );
}

#[test]
fn the_oracles_agree_with_each_other() {
    // The oracles are checked before they judge: the sieve against the
    // test's Miller-Rabin and the book's loop written again.
    let primes = sieve(200_000);
    for (n, &prime) in primes.iter().enumerate() {
        let n = n as u64;
        assert_eq!(oracle_is_prime(n), prime, "oracle vs sieve on {n}");
        assert_eq!(book_loop(n).0, prime, "the test's loop vs sieve on {n}");
    }
    // pi(200000) = 17984 (Python).
    assert_eq!(primes.iter().filter(|&&p| p).count(), 17_984);
    // The count of odd divisors against the loop that makes them.
    for p in (3..20_000u64).filter(|&p| primes[p as usize]) {
        assert_eq!(odd_from_3_to(p.isqrt()), book_loop(p).1, "{p}");
    }
}

#[test]
fn fixture_answers_match_the_book() {
    for (n, expected) in PRIME_FIXTURE {
        assert_eq!(oracle_is_prime(n), expected, "the fixture's answer for {n}");
        assert_eq!(is_prime(n), expected, "is_prime({n})");
        assert_eq!(miller_rabin(n), expected, "miller_rabin({n})");
    }
    assert_eq!(NUMBERS, PRIME_FIXTURE.map(|(n, _)| n));
    // The book's nine primes, listed from its `primes.py`.
    let primes: Vec<u64> = PRIME_FIXTURE
        .iter()
        .filter(|(_, p)| *p)
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(
        primes,
        [
            2,
            142_702_110_479_723,
            299_593_572_317_531,
            3_333_333_333_333_301,
            4_444_444_444_444_423,
            5_555_555_555_555_503,
            6_666_666_666_666_719,
            7_777_777_777_777_753,
            9_999_999_999_999_917,
        ]
    );
}

#[test]
fn book_spinner_number_is_prime() {
    assert_eq!(BOOK_PRIME, 5_000_111_000_222_021);
    assert!(oracle_is_prime(BOOK_PRIME));
    assert!(is_prime(BOOK_PRIME));
}

#[test]
fn check_reports_number_answer_and_time() {
    use spinlab::core::clock::now_seconds;
    // `elapsed` is measured inside the call: more than nothing for 35
    // million divisions, and no more than the time around the call.
    let t0 = now_seconds();
    let r = check(BOOK_PRIME);
    let around = now_seconds() - t0;
    assert_eq!((r.n, r.prime), (BOOK_PRIME, true));
    assert!(
        r.elapsed > 0.0 && r.elapsed <= around,
        "35,355,731 divisions timed as {} s, within a call of {around} s",
        r.elapsed
    );
    let t0 = now_seconds();
    let c = check(4_444_444_444_444_444);
    let around = now_seconds() - t0;
    assert_eq!((c.n, c.prime), (4_444_444_444_444_444, false));
    assert!(
        (0.0..=around).contains(&c.elapsed),
        "{} s, within a call of {around} s",
        c.elapsed
    );
    // `check_with` answers with the test it is given, not `is_prime`.
    let never = check_with(BOOK_PRIME, |_| false);
    assert_eq!((never.n, never.prime), (BOOK_PRIME, false));
    assert!(check_with(4, |n| n == 4).prime);
}

#[test]
fn small_cases_follow_the_book() {
    for (n, expected) in [
        (0, false),
        (1, false),
        (2, true),
        (3, true),
        (4, false),
        (9, false),
        (25, false),
    ] {
        assert_eq!(is_prime(n), expected, "is_prime({n})");
        assert_eq!(miller_rabin(n), expected, "miller_rabin({n})");
    }
}

#[test]
fn agrees_with_miller_rabin_below_200_000() {
    // Against a sieve: no Miller-Rabin needed to know these answers.
    let primes = sieve(200_000);
    for (n, &expected) in primes.iter().enumerate() {
        let n = n as u64;
        assert_eq!(is_prime(n), expected, "is_prime({n}) against the sieve");
        assert_eq!(
            miller_rabin(n),
            expected,
            "miller_rabin({n}) against the sieve"
        );
    }
    // pi(200000) = 17984 (Python): a sieve wrong in its count would show here.
    assert_eq!((0..200_000).filter(|&n| is_prime(n)).count(), 17_984);
}

#[test]
fn agrees_on_carmichael_numbers_and_strong_pseudoprimes() {
    let carmichael = [
        561u64,
        1105,
        1729,
        2465,
        2821,
        6601,
        8911,
        10585,
        15841,
        29341,
        41041,
        46657,
        52633,
        62745,
        63973,
        75361,
        101101,
        115921,
        126217,
        162401,
        172081,
        188461,
        252601,
        278545,
        294409,
        314821,
        334153,
        340561,
        399001,
        410041,
        449065,
        488881,
        512461,
        // Strong pseudoprimes to many bases (Jaeschke; Arnault).
        3_215_031_751,
        2_152_302_898_747,
        3_474_749_660_383,
        341_550_071_728_321,
        3_825_123_056_546_413_051,
    ];
    for n in carmichael {
        assert!(!is_prime(n), "{n} is composite");
        assert_agree(n);
    }
    // The Carmichael numbers below 2^20 show a factor to plain division.
    for n in carmichael.into_iter().filter(|&n| n < 1 << 20) {
        assert!(small_factor(n, n).is_some(), "{n} has a factor");
    }
}

#[test]
fn agrees_on_squares_and_products_of_primes() {
    let mut rng = SplitMix(0x5EED_0001);
    let mut checked = 0;
    while checked < 60 {
        // Primes of 12..27 bits: the squares and products stay cheap to trial-divide.
        let bits = 12 + rng.next() % 16;
        let p = next_prime(rng.next() >> (64 - bits)).unwrap();
        let q = next_prime(rng.next() >> (64 - bits)).unwrap();
        assert!(
            oracle_is_prime(p) && oracle_is_prime(q),
            "next_prime gave {p} and {q}"
        );
        for n in [Some(p * p), Some(p * q), (p * p).checked_mul(q)]
            .into_iter()
            .flatten()
        {
            assert!(!is_prime(n), "{n} = product of primes {p}, {q}");
            assert_agree(n);
        }
        checked += 1;
    }
}

#[test]
fn agrees_on_sampled_numbers_of_every_width() {
    let mut rng = SplitMix(0x5EED_0002);
    let mut primes = 0;
    for _ in 0..400 {
        // Widths 2..52 bits, so that a sampled prime costs at most 2^25 divisions.
        let bits = 2 + rng.next() % 51;
        let n = rng.next() >> (64 - bits);
        assert_agree(n);
        primes += usize::from(is_prime(n));
    }
    // The same 400 numbers drawn in Python (splitmix64, seed 0x5EED0002)
    // hold 54 primes.
    assert_eq!(primes, 54, "primes among the sample");
}

#[test]
fn agrees_near_2_pow_53() {
    let top = 1u64 << 53;
    for n in (top - 200)..(top + 200) {
        assert_agree(n);
    }
    // (Python) The largest prime below 2^53, and the next one.
    assert!(
        is_prime(9_007_199_254_740_881),
        "the largest prime below 2^53"
    );
    assert_eq!(
        next_prime(9_007_199_254_740_881),
        Some(9_007_199_254_740_997)
    );
}

#[test]
fn agrees_near_2_pow_64_on_composites() {
    // The numbers here with a factor below 2^20, found by the test, are
    // composite and divide quickly.
    let mut n = u64::MAX;
    let mut seen = 0;
    while seen < 100 {
        if let Some(d) = small_factor(n, 1 << 20) {
            assert!(!is_prime(n), "{n} = {d} × {}", n / d);
            assert!(!miller_rabin(n), "{n} = {d} × {}", n / d);
            seen += 1;
        }
        n -= 1;
    }
}

#[test]
fn largest_u64_prime_runs_trial_division_to_the_end() {
    assert_eq!(LARGEST_U64_PRIME, 18_446_744_073_709_551_557);
    // It is prime, and the 58 numbers above it are not.
    assert!(oracle_is_prime(LARGEST_U64_PRIME));
    assert!((LARGEST_U64_PRIME + 1..=u64::MAX).all(|n| !oracle_is_prime(n)));
    // 2^31 divisions: the loop's top end, where `i` approaches 2^32.
    assert!(is_prime(LARGEST_U64_PRIME));
    assert_eq!(next_prime(LARGEST_U64_PRIME), None);
    assert_eq!(next_prime(LARGEST_U64_PRIME - 1), Some(LARGEST_U64_PRIME));
}

#[test]
fn square_of_the_largest_32_bit_prime_is_found_at_the_root() {
    // isqrt(p*p) == p: the loop bound must include the root itself.
    let p = 4_294_967_291u64;
    assert!(oracle_is_prime(p));
    assert!(
        ((p + 1)..1 << 32).all(|n| !oracle_is_prime(n)),
        "the largest"
    );
    assert!(!is_prime(p * p));
    assert_agree(p * p);
}

#[test]
fn next_prime_is_strictly_greater() {
    assert_eq!(next_prime(0), Some(2));
    assert_eq!(next_prime(2), Some(3));
    assert_eq!(next_prime(13), Some(17));
    assert_eq!(next_prime(5_000_111_000_222_020), Some(BOOK_PRIME));
    assert_eq!(next_prime(u64::MAX), None);
    assert_eq!(next_prime(1_000_000_000), Some(1_000_000_007));
    assert_eq!(next_prime(1_000_000_007), Some(1_000_000_009));
    // A record prime gap: 1132 after 1693182318746371 (Python; Nyman 1999).
    let (a, b) = (1_693_182_318_746_371u64, 1_693_182_318_747_503u64);
    assert_eq!(next_prime(a), Some(b));
    assert_eq!(next_prime(a + 500), Some(b));
    assert!(oracle_is_prime(a) && oracle_is_prime(b));
    assert!(((a + 1)..b).all(|n| !oracle_is_prime(n)), "a gap of 1132");
}

#[test]
fn parse_accepts_decimal_with_surrounding_whitespace() {
    assert_eq!(parse_number("42"), Ok(42));
    assert_eq!(parse_number("  5000111000222021\n"), Ok(BOOK_PRIME));
    assert_eq!(parse_number("\t0 "), Ok(0));
    assert_eq!(parse_number("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(parse_number("0007"), Ok(7));
}

#[test]
fn parse_errors_are_precise() {
    assert_eq!(parse_number(""), Err(ParseError::Empty));
    assert_eq!(parse_number(" \n\t"), Err(ParseError::Empty));
    assert_eq!(parse_number("-7"), Err(ParseError::Negative("-7".into())));
    assert_eq!(
        parse_number("18446744073709551616"),
        Err(ParseError::TooLarge("18446744073709551616".into()))
    );
    assert_eq!(
        parse_number("99999999999999999999999"),
        Err(ParseError::TooLarge("99999999999999999999999".into()))
    );
    for bad in ["abc", "12a", "1 2", "٣", "1-2", "½", "12_a"] {
        assert_eq!(
            parse_number(bad),
            Err(ParseError::NotDecimal(bad.into())),
            "{bad:?} must be refused as not decimal"
        );
    }
    type Kind = fn(String) -> ParseError;
    let cases: [(&str, Kind); 14] = [
        ("+-3", ParseError::Sign),
        ("+5", ParseError::Sign),
        ("-", ParseError::Sign),
        ("--7", ParseError::Sign),
        ("0x1F", ParseError::Hex),
        ("0XFF", ParseError::Hex),
        ("4.5", ParseError::Fraction),
        (".5", ParseError::Fraction),
        ("7.", ParseError::Fraction),
        ("1e9", ParseError::Exponent),
        ("2.5E3", ParseError::Exponent),
        ("1e-3", ParseError::Exponent),
        ("1__000", ParseError::Separator),
        ("1_000,000", ParseError::Separator),
    ];
    for (bad, kind) in cases {
        assert_eq!(parse_number(bad), Err(kind(bad.into())), "{bad:?}");
    }
    for bad in ["_7", "7_", "1,00", "1000,000", ",5", "5,", "1,,000"] {
        assert_eq!(
            parse_number(bad),
            Err(ParseError::Separator(bad.into())),
            "{bad:?}"
        );
    }
    assert_eq!(
        parse_number("-1_000"),
        Err(ParseError::Negative("-1_000".into()))
    );
    assert_eq!(
        parse_number("18_446_744_073_709_551_616"),
        Err(ParseError::TooLarge("18_446_744_073_709_551_616".into()))
    );
}

#[test]
fn the_largest_prime_comes_with_a_warning_and_the_way_to_split_it() {
    use spinlab::core::primes::slow_check_note;
    let split = "The pool lab's \"Split one big number\" checks it on every core at once.";
    // (Python) 2147483647 divisions at 440e6 a second: 4.9 s.
    assert_eq!(
        slow_check_note(LARGEST_U64_PRIME, 440e6).as_deref(),
        Some(
            format!(
                "is_prime(18446744073709551557) may need up to 2147483647 divisions: \
                 about 5 s on one core here. {split}"
            )
            .as_str()
        )
    );
    // The book's prime, even numbers, tiny ones: no warning.
    assert_eq!(slow_check_note(BOOK_PRIME, 440e6), None);
    assert_eq!(slow_check_note(u64::MAX - 1, 440e6), None);
    assert_eq!(slow_check_note(7, 1.0), None);
    // A slower machine is warned sooner: (Python) 35355731 divisions at
    // 5e6 a second, 7.07 s.
    assert_eq!(
        slow_check_note(BOOK_PRIME, 5e6).as_deref(),
        Some(
            format!(
                "is_prime(5000111000222021) may need up to 35355731 divisions: \
                 about 7 s on one core here. {split}"
            )
            .as_str()
        )
    );
}

#[test]
fn digit_separators_are_read_where_unambiguous() {
    assert_eq!(parse_number("5_000_111_000_222_021"), Ok(BOOK_PRIME));
    assert_eq!(parse_number(" 1,000,003 "), Ok(1_000_003));
    assert_eq!(
        parse_number("18,446,744,073,709,551,557"),
        Ok(LARGEST_U64_PRIME)
    );
    assert_eq!(parse_number("1_0"), Ok(10));
    assert_eq!(parse_number("999,999"), Ok(999_999));
    assert_eq!(parse_number("0"), Ok(0));
    assert_eq!(parse_number("1"), Ok(1));
    assert_eq!(parse_number("2"), Ok(2));
    assert_eq!(parse_number("18446744073709551557"), Ok(LARGEST_U64_PRIME));
}

#[test]
fn parse_error_messages_name_the_input_and_the_rule() {
    let msg = |s: &str| parse_number(s).unwrap_err().to_string();
    assert!(msg("").contains("no number given"));
    assert!(msg("12a").contains("\"12a\" is not a decimal integer: it contains 'a'"));
    assert!(msg("1 2").contains("it contains a space"));
    assert!(msg("٣").contains("a digit of another script"));
    assert!(msg("1e9").contains("scientific notation: write its digits, 1000000000"));
    assert!(msg("2.5e3").contains("write its digits, 2500"));
    assert!(msg("1e-3").contains("not a whole number"));
    assert!(msg("1e99").contains("not a whole number"));
    assert!(msg("0x1F").contains("hexadecimal, 31 in decimal"));
    assert!(msg("4.5").contains("has a decimal point"));
    assert!(msg("+-3").contains("has a sign"));
    assert!(msg("1,00").contains("misplaced separator"));
    assert!(msg("-7").contains("\"-7\" is negative"));
    assert!(msg("18446744073709551616").contains("is above 18446744073709551615"));
    let long = "9".repeat(1000);
    let m = msg(&long);
    assert!(
        m.contains("(1000 characters)") && m.len() < 200,
        "long inputs are shortened: {m}"
    );
}

#[test]
fn report_lines_have_the_books_columns() {
    use spinlab::core::primes::{PrimeResult, report_line};
    let row = |n, prime, elapsed| report_line(&PrimeResult { n, prime, elapsed });
    // The book's repository's format, f'{n:16}  {label} {elapsed:9.6f}s',
    // written out by hand.
    assert_eq!(row(2, true, 0.000001), "               2  P  0.000001s");
    assert_eq!(
        row(3333333333333333, false, 0.000005),
        "3333333333333333     0.000005s"
    );
    assert_eq!(
        row(142702110479723, true, 0.316831),
        " 142702110479723  P  0.316831s"
    );
    assert_eq!(
        row(BOOK_PRIME, true, 12.5),
        "5000111000222021  P 12.500000s"
    );
}

#[test]
fn closing_lines_group_digits_like_pythons_comma_format() {
    use spinlab::core::primes::with_commas;
    // f'{n:,}' in Python, written out by hand.
    for (n, grouped) in [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1,000"),
        (1_000_003, "1,000,003"),
        (BOOK_PRIME, "5,000,111,000,222,021"),
        (u64::MAX, "18,446,744,073,709,551,615"),
    ] {
        assert_eq!(with_commas(n), grouped);
    }
}

#[test]
fn the_unrolled_variant_agrees_with_is_prime() {
    use spinlab::core::primes::is_prime_unrolled;
    let mut rng = SplitMix(0x5EED_0004);
    let mut numbers: Vec<u64> = (0..5_000).collect();
    numbers.extend((0..500).map(|_| rng.next() >> (64 - (2 + rng.next() % 45))));
    // Squares of primes: the divisor is the last one tried, in either loop.
    numbers.extend([
        9,
        25,
        49,
        121,
        169,
        289,
        361,
        529,
        65_521 * 65_521,
        65_519 * 65_521,
    ]);
    numbers.extend([BOOK_PRIME, 12_884_901_873, 1_000_000_007 * 3]);
    for n in numbers {
        let expected = oracle_is_prime(n);
        assert_eq!(is_prime_unrolled(n), expected, "is_prime_unrolled({n})");
        assert_eq!(is_prime(n), expected, "is_prime({n})");
    }
}

#[test]
fn trial_division_in_slices_matches_is_prime() {
    use spinlab::core::primes::TrialDivision;
    let mut rng = SplitMix(0x5EED_0003);
    let mut numbers: Vec<u64> = (0..2_000).collect();
    numbers.extend((0..300).map(|_| rng.next() >> (64 - (2 + rng.next() % 45))));
    // 3 × the largest 32-bit prime: one division.
    numbers.push(12_884_901_873);
    // `(n, answer, divisions)`: the book's loop, counted here.
    let mut cases: Vec<(u64, bool, u64)> = numbers
        .into_iter()
        .map(|n| {
            let (prime, divisions) = book_loop(n);
            (n, prime, divisions)
        })
        .collect();
    // Primes too long for the counting loop: (Python)
    // len(range(3, isqrt(n) + 1, 2)).
    cases.push((BOOK_PRIME, true, 35_355_731));
    cases.push((9_007_199_254_740_881, true, 47_453_132));
    for (n, expected, divisions) in cases {
        assert_eq!(oracle_is_prime(n), expected, "the oracles disagree on {n}");
        for slice in [1, 2, 7, 1000, u64::MAX] {
            let mut td = TrialDivision::new(n);
            let mut answer = None;
            let mut steps = 0u64;
            while answer.is_none() {
                answer = td.step(slice);
                steps += 1;
            }
            assert_eq!(answer, Some(expected), "n = {n}, slices of {slice}");
            // The answer comes in the slice that holds the last division the
            // book's loop makes: none is skipped or repeated.
            assert_eq!(
                steps,
                divisions.div_ceil(slice).max(1),
                "n = {n}, {divisions} divisions in slices of {slice}"
            );
            // Once known, the answer stays.
            assert_eq!(td.step(slice), Some(expected));
        }
    }
}

#[test]
fn divisions_for_prime_counts_the_books_odd_divisors() {
    use spinlab::core::primes::divisions_for_prime;
    // (Python) len(range(3, isqrt(p) + 1, 2)).
    for (p, divisions) in [
        (2, 0),
        (3, 0),
        (5, 0),
        (7, 0),
        (11, 1),
        (97, 4),
        (1_000_003, 499),
        (999_999_999_989, 499_999),
        (BOOK_PRIME, 35_355_731),
        (9_007_199_254_740_881, 47_453_132),
        (9_999_999_999_999_917, 49_999_999),
        (LARGEST_U64_PRIME, 2_147_483_647),
    ] {
        assert_eq!(
            divisions_for_prime(p),
            divisions,
            "divisions_for_prime({p})"
        );
    }
    // Every prime below 20,000 against the divisions the test's loop makes.
    for p in (3..20_000).filter(|&p| oracle_is_prime(p)) {
        assert_eq!(divisions_for_prime(p), book_loop(p).1, "{p}");
    }
}

#[test]
fn calibration_picks_the_next_prime_at_the_target_rate() {
    use spinlab::core::primes::calibrate;
    // At 435 million divisions a second (2.3 ns each), 3 s is 1_305_000_000
    // divisions. (Python) Every prime from 2610000001² = 6812100005220000001
    // on makes at least that many; the first is 6812100005220000109, with
    // exactly 1_305_000_000 divisions: 3 s. (An f64 square rounds that start
    // down to 6812100005219999744, one division short: it once did.)
    let c = calibrate(435e6, 3.0);
    assert_eq!(c.prime, 6_812_100_005_220_000_109);
    assert!(oracle_is_prime(c.prime));
    assert_eq!(c.expected_secs, 3.0);
    assert_eq!((c.divisions_per_sec, c.capped), (435e6, false));
    // Small rates, where the f64 square is exact: the first prime above
    // (2d + 1)² for d divisions, which makes exactly d (Python).
    let at_100 = calibrate(100.0, 1.0);
    assert_eq!((at_100.prime, at_100.expected_secs), (40_423, 1.0));
    assert!((40_401..40_423).all(|n| !oracle_is_prime(n)) && oracle_is_prime(40_423));
    let at_1 = calibrate(1.0, 1.0);
    assert_eq!(
        (at_1.prime, at_1.expected_secs, at_1.capped),
        (11, 1.0, false)
    );
    // A machine too fast for u64 gets the largest u64 prime, flagged, with
    // its 2147483647 divisions (Python) at that rate.
    let fast = calibrate(1e12, 3.0);
    assert!(fast.capped);
    assert_eq!(fast.prime, LARGEST_U64_PRIME);
    assert_eq!(fast.expected_secs, 0.002_147_483_647);
    // The book's machine: 5000111000222021 (35355731 divisions, Python)
    // took 3.3 s. At that rate, 3.3 s gives the first prime with as many
    // divisions (Python): just below the book's, with the same cost.
    let book = calibrate(35_355_731.0 / 3.3, 3.3);
    assert_eq!(book.prime, 5_000_110_999_600_447);
    assert!(oracle_is_prime(book.prime));
    assert_eq!((book.expected_secs, book.capped), (3.3, false));
}

#[test]
fn number_lists_take_lines_and_commas_and_name_the_bad_line() {
    use spinlab::core::primes::{MAX_NUMBERS, parse_number_list};
    assert_eq!(parse_number_list("2\n3, 5\n\n 7 ,\n"), Ok(vec![2, 3, 5, 7]));
    let err = parse_number_list("2\n3\n12a\n5").unwrap_err();
    assert!(
        err.starts_with("line 3: \"12a\" is not a decimal integer"),
        "{err}"
    );
    let err = parse_number_list("1, -4").unwrap_err();
    assert!(err.starts_with("line 1: \"-4\" is negative"), "{err}");
    assert!(
        parse_number_list(" \n , \n")
            .unwrap_err()
            .starts_with("no numbers to check")
    );
    let many = vec!["7"; MAX_NUMBERS].join("\n");
    assert_eq!(parse_number_list(&many).unwrap().len(), MAX_NUMBERS);
    assert_eq!(
        parse_number_list(&format!("{many}\n7")).unwrap_err(),
        "10001 numbers: a run takes at most 10000"
    );
}

#[test]
fn number_lists_split_on_spaces_and_semicolons_and_refuse_ambiguous_commas() {
    use spinlab::core::primes::parse_number_list;
    assert_eq!(parse_number_list("2 3;5\t7,11"), Ok(vec![2, 3, 5, 7, 11]));
    assert_eq!(parse_number_list("1_000_003, 2"), Ok(vec![1_000_003, 2]));
    // Groups that are not all three digits can only be a list.
    assert_eq!(parse_number_list("2,3,5"), Ok(vec![2, 3, 5]));
    assert_eq!(parse_number_list("1000,2000"), Ok(vec![1000, 2000]));
    let err = parse_number_list("7\n1,000,003").unwrap_err();
    assert_eq!(
        err,
        "line 2: \"1,000,003\" could be one number (1000003) or 3 numbers: \
         write 1000003 or 1_000_003 for one, or put a space after each comma for several"
    );
    assert_eq!(parse_number_list("1, 000, 003"), Ok(vec![1, 0, 3]));
}

#[test]
fn a_megabyte_paste_is_refused_with_a_short_reason() {
    use spinlab::core::primes::parse_number_list;
    // One long run of digits: too large, echoed short.
    let digits = "1234567890".repeat(100_000);
    let err = parse_number_list(&digits).unwrap_err();
    assert!(
        err.contains("(1000000 characters)") && err.len() < 250,
        "{err}"
    );
    // 1 MB of numbers: too many, counted.
    let numbers = "5000111000222021\n".repeat(60_000);
    assert_eq!(
        parse_number_list(&numbers).unwrap_err(),
        "60000 numbers: a run takes at most 10000"
    );
    // 1 MB of prose: the first bad word, named.
    let prose = "lorem ipsum ".repeat(90_000);
    let err = parse_number_list(&prose).unwrap_err();
    assert!(
        err.starts_with("line 1: \"lorem\" is not a decimal integer"),
        "{err}"
    );
}

/// Checks that each entry of a calibrated fixture is what it claims: a prime
/// by the test's oracle, a square of such a prime, or a trivial composite
/// with a factor of 2 or 5. Returns the divisions of the heavy checks (a
/// square costs the divisions up to its root, the last one finding it).
fn check_claims(fixture: &[(u64, bool)]) -> (usize, usize, usize, u64) {
    let (mut primes, mut squares, mut trivial, mut divisions) = (0, 0, 0, 0);
    for &(n, prime) in fixture {
        let root = n.isqrt();
        if prime {
            assert!(oracle_is_prime(n), "{n} is claimed prime");
            primes += 1;
            divisions += odd_from_3_to(root);
        } else if root * root == n {
            assert!(oracle_is_prime(root), "{n} = {root}², {root} prime");
            squares += 1;
            divisions += odd_from_3_to(root);
        } else {
            assert!(
                n > 5 && (n.is_multiple_of(2) || n.is_multiple_of(5)),
                "{n} is a trivial composite"
            );
            trivial += 1;
        }
    }
    (primes, squares, trivial, divisions)
}

#[test]
fn the_calibrated_fixture_has_the_books_shape_and_the_asked_cost() {
    use spinlab::core::primes::calibrated_fixture;
    // (Python) At 435e6 divisions a second, 20 s: the book's shares of 8.7e9
    // divisions, the first prime (or prime root) at or above each share, and
    // trivial composites at k/6 of the largest, k = 1..5.
    let expected: [(u64, bool); 20] = [
        (28_451_646_864_558_431, true),
        (90_272_851_740_452_257, true),
        (445_020_057_716_640_090, false),
        (850_909_840_610_213_281, true),
        (890_040_115_433_280_185, false),
        (910_258_214_519_168_089, false), // 954074533²
        (982_026_434_315_955_961, false), // 990972469²
        (1_179_076_244_387_053_333, true),
        (1_335_060_173_149_920_270, false),
        (1_547_502_839_381_790_209, true),
        (1_627_189_706_986_852_369, false), // 1275613463²
        (1_780_080_230_866_560_375, false),
        (1_806_707_341_976_922_641, true),
        (1_835_159_037_622_015_561, false), // 1354680419²
        (2_085_972_478_158_619_909, true),
        (2_225_100_288_583_200_460, false),
        (2_385_298_363_880_207_689, false), // 1544441117²
        (2_417_973_185_756_555_803, true),
        (2_500_632_998_717_898_287, true),
        (2_670_120_346_299_840_563, true),
    ];
    let fixture = calibrated_fixture(435e6, 20.0);
    assert_eq!(fixture, expected);
    // Each number is what it says, sorted like the book's, and the heavy
    // checks cost 20 s at that rate: 8_700_000_050 divisions (Python).
    assert!(
        fixture.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted, no repeats"
    );
    assert_eq!(check_claims(&fixture), (10, 5, 5, 8_700_000_050));

    // A slow machine, 1000 divisions a second for 1 s: small enough for
    // the book's loop, written here, to count every division (Python).
    let small = calibrated_fixture(1000.0, 1.0);
    assert_eq!(
        small,
        [
            (419, true),
            (1_277, true),
            (5_940, false),
            (11_467, true),
            (11_895, false),
            (12_769, false), // 113²
            (15_859, true),
            (16_129, false), // 127²
            (17_830, false),
            (20_743, true),
            (22_201, false), // 149²
            (23_785, false),
            (24_181, true),
            (24_649, false), // 157²
            (27_893, true),
            (29_720, false),
            (32_041, false), // 179²
            (32_309, true),
            (33_403, true),
            (35_671, true),
        ]
    );
    let (primes, squares, trivial, divisions) = check_claims(&small);
    assert_eq!((primes, squares, trivial, divisions), (10, 5, 5, 1_004));
    let counted: u64 = small
        .iter()
        .filter(|&&(n, prime)| prime || n.isqrt().pow(2) == n)
        .map(|&(n, _)| book_loop(n).1)
        .sum();
    assert_eq!(counted, 1_004, "the book's loop makes these divisions");
}

#[test]
fn divisor_ranges_cover_the_books_divisions_exactly_once() {
    use spinlab::core::primes::{divisor_ranges, has_divisor_in};
    use std::sync::atomic::AtomicBool;
    // `(n, prime, the last odd number up to isqrt(n))`, all (Python).
    for (n, prime, last) in [
        (9u64, false, 3),
        (25, false, 5),
        (49, false, 7),
        (97, true, 9),
        (1_000_003, true, 999),
        (999_999_999_989, true, 999_999),
        (BOOK_PRIME, true, 70_711_463),
        (4_294_967_291 * 3, false, 113_511),
    ] {
        assert_eq!(oracle_is_prime(n), prime, "{n}");
        for parts in [1, 2, 3, 7, 64] {
            let ranges = divisor_ranges(n, parts);
            assert_eq!(ranges.first().unwrap().0, 3, "{n}/{parts}: {ranges:?}");
            assert_eq!(ranges.last().unwrap().1, last, "{n}/{parts}: {ranges:?}");
            assert_eq!(
                ranges.len() as u64,
                odd_from_3_to(last).min(parts as u64),
                "{n}/{parts}: {ranges:?}"
            );
            assert!(
                ranges.iter().all(|&(a, b)| a <= b)
                    && ranges.windows(2).all(|w| w[1].0 == w[0].1 + 2),
                "{n}/{parts}: {ranges:?}"
            );
            if n < 1_000_000_000_000 {
                let odd: Vec<u64> = (3..=last).step_by(2).collect();
                let covered: Vec<u64> = ranges
                    .iter()
                    .flat_map(|&(a, b)| (a..=b).step_by(2))
                    .collect();
                assert_eq!(covered, odd, "{n} in {parts} parts");
            }
            let never = AtomicBool::new(false);
            if n != BOOK_PRIME || parts == 7 {
                let found = ranges.iter().any(|&(a, b)| has_divisor_in(n, a, b, &never));
                assert_eq!(!found, prime, "{n} in {parts} parts");
            }
        }
    }
    assert_eq!(divisor_ranges(8, 4), []);
    assert_eq!(divisor_ranges(7, 4), []);
}

#[test]
fn speed_share_compares_timed_primes_with_the_calibrated_rate() {
    use spinlab::core::primes::speed_share;
    let rate = 400e6;
    // (Python) The book's prime makes 35355731 divisions, 9999999999999917
    // makes 49999999.
    let at = |share: f64, n: u64, divisions: f64| (n, divisions / (rate * share));
    let full = [
        at(1.0, BOOK_PRIME, 35_355_731.0),
        at(1.0, 9_999_999_999_999_917, 49_999_999.0),
    ];
    let slow = [
        at(0.25, BOOK_PRIME, 35_355_731.0),
        at(0.25, 9_999_999_999_999_917, 49_999_999.0),
    ];
    assert!((speed_share(&full, rate).unwrap() - 1.0).abs() < 1e-9);
    assert!((speed_share(&slow, rate).unwrap() - 0.25).abs() < 1e-9);
    // Quick checks and too little timing tell nothing.
    assert_eq!(
        speed_share(&[(2, 0.000001), (142_702_110_479_723, 0.001)], rate),
        None
    );
    assert_eq!(speed_share(&[], rate), None);
}
