//! Native tests of the prime core (`cargo test` at the repo root).
#![cfg(not(target_arch = "wasm32"))]

use spinlab::primes::{
    BOOK_PRIME, LARGEST_U64_PRIME, NUMBERS, PRIME_FIXTURE, ParseError, check, is_prime,
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

/// Every number is checked by both algorithms, and they must agree.
fn assert_agree(n: u64) {
    assert_eq!(
        is_prime(n),
        miller_rabin(n),
        "is_prime and Miller-Rabin disagree on {n}"
    );
}

#[test]
fn fixture_answers_match_the_book() {
    for (n, expected) in PRIME_FIXTURE {
        assert_eq!(is_prime(n), expected, "is_prime({n})");
        assert_eq!(miller_rabin(n), expected, "miller_rabin({n})");
    }
    assert_eq!(NUMBERS.len(), 20);
    assert!(NUMBERS.iter().zip(PRIME_FIXTURE).all(|(n, (m, _))| *n == m));
    assert_eq!(PRIME_FIXTURE.iter().filter(|(_, p)| *p).count(), 9);
}

#[test]
fn book_spinner_number_is_prime() {
    assert!(is_prime(BOOK_PRIME));
}

#[test]
fn check_reports_number_answer_and_time() {
    let r = check(BOOK_PRIME);
    assert_eq!(r.n, BOOK_PRIME);
    assert!(r.prime);
    assert!(
        r.elapsed > 0.0,
        "a 35-million-iteration loop took no time: {r:?}"
    );
    let c = check(4444444444444444);
    assert!(!c.prime && c.elapsed >= 0.0);
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
    }
}

#[test]
fn agrees_with_miller_rabin_below_200_000() {
    let primes = (0..200_000u64).filter(|&n| {
        assert_agree(n);
        is_prime(n)
    });
    // pi(200000) = 17984: both sides agreeing on a wrong count would be caught here.
    assert_eq!(primes.count(), 17_984);
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
        primes += usize::from(miller_rabin(n));
    }
    assert!(
        primes > 10,
        "the sample should hold primes too, held {primes}"
    );
}

#[test]
fn agrees_near_2_pow_53() {
    let top = 1u64 << 53;
    for n in (top - 200)..(top + 200) {
        assert_agree(n);
    }
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
    // The numbers here with a factor below 2^20 divide quickly.
    let mut n = u64::MAX;
    let mut seen = 0;
    while seen < 100 {
        if !miller_rabin(n) && (3..1 << 20).step_by(2).any(|d| n % d == 0) || n % 2 == 0 {
            assert_agree(n);
            seen += 1;
        }
        n -= 1;
    }
}

#[test]
fn largest_u64_prime_runs_trial_division_to_the_end() {
    // 2^31 divisions: the loop's top end, where `i` approaches 2^32.
    assert!(is_prime(LARGEST_U64_PRIME));
    assert_eq!(next_prime(LARGEST_U64_PRIME), None);
    assert_eq!(next_prime(LARGEST_U64_PRIME - 1), Some(LARGEST_U64_PRIME));
}

#[test]
fn square_of_the_largest_32_bit_prime_is_found_at_the_root() {
    // isqrt(p*p) == p: the loop bound must include the root itself.
    let p = 4_294_967_291u64;
    assert!(miller_rabin(p));
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
    // Between consecutive results there is no prime (checked by trial division).
    let a = next_prime(1_000_000_000).unwrap();
    let b = next_prime(a).unwrap();
    assert!(((a + 1)..b).all(|n| !is_prime(n)));
    assert!(is_prime(a) && is_prime(b));
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
    use spinlab::primes::slow_check_note;
    let rate = 440e6;
    let note = slow_check_note(LARGEST_U64_PRIME, rate).expect("a warning");
    assert!(
        note.contains("up to 2147483647 divisions: about 5 s"),
        "{note}"
    );
    assert!(note.contains("Split one big number"), "{note}");
    // The book's prime, even numbers, tiny ones: no warning.
    assert_eq!(slow_check_note(BOOK_PRIME, rate), None);
    assert_eq!(slow_check_note(u64::MAX - 1, rate), None);
    assert_eq!(slow_check_note(7, 1.0), None);
    // A slower machine is warned sooner.
    assert!(slow_check_note(BOOK_PRIME, 5e6).is_some());
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
    use spinlab::primes::{PrimeResult, report_line};
    let row = |n, prime, elapsed| report_line(&PrimeResult { n, prime, elapsed });
    // Rows copied from the book's sequential output.
    assert_eq!(row(2, true, 0.000001), "               2 P  0.000001s");
    assert_eq!(
        row(3333333333333333, false, 0.000005),
        "3333333333333333    0.000005s"
    );
    assert_eq!(
        row(142702110479723, true, 0.316831),
        " 142702110479723 P  0.316831s"
    );
    assert_eq!(row(BOOK_PRIME, true, 12.5), "5000111000222021 P 12.500000s");
}

#[test]
fn the_unrolled_variant_agrees_with_is_prime() {
    use spinlab::primes::is_prime_unrolled;
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
        assert_eq!(is_prime_unrolled(n), is_prime(n), "n = {n}");
    }
}

#[test]
fn trial_division_in_slices_matches_is_prime() {
    use spinlab::primes::TrialDivision;
    let mut rng = SplitMix(0x5EED_0003);
    let mut numbers: Vec<u64> = (0..2_000).collect();
    numbers.extend((0..300).map(|_| rng.next() >> (64 - (2 + rng.next() % 45))));
    // The book's prime, 3 × the largest 32-bit prime, the largest prime below 2^53.
    numbers.extend([BOOK_PRIME, 12_884_901_873, 9_007_199_254_740_881]);
    for n in numbers {
        for slice in [1, 2, 7, 1000, u64::MAX] {
            let mut td = TrialDivision::new(n);
            let mut answer = None;
            let mut steps = 0u64;
            while answer.is_none() {
                answer = td.step(slice);
                steps += 1;
            }
            assert_eq!(answer, Some(is_prime(n)), "n = {n}, slices of {slice}");
            // A prime needs ceil(divisions / slice) slices: no division is skipped or repeated.
            if is_prime(n) && n > 2 {
                let divisions = spinlab::primes::divisions_for_prime(n);
                assert_eq!(
                    steps,
                    divisions.div_ceil(slice).max(1),
                    "n = {n}, slice {slice}"
                );
            }
        }
    }
}

#[test]
fn calibration_picks_the_next_prime_at_the_target_rate() {
    use spinlab::primes::{calibrate, divisions_for_prime};
    // At 435 million divisions a second (2.3 ns each), 3 s is ~1.3e9 divisions.
    let c = calibrate(435e6, 3.0);
    assert!(!c.capped);
    assert!(miller_rabin(c.prime));
    assert!((c.expected_secs - 3.0).abs() < 0.01, "{c:?}");
    let divisions = divisions_for_prime(c.prime) as f64;
    assert!((divisions / 435e6 - c.expected_secs).abs() < 1e-9);
    // It is the first prime at or above the target square.
    let target_root = 2.0 * 435e6 * 3.0 + 1.0;
    assert_eq!(
        Some(c.prime),
        next_prime((target_root * target_root) as u64)
    );
    // A machine too fast for u64 gets the largest u64 prime, flagged.
    let fast = calibrate(1e12, 3.0);
    assert!(fast.capped);
    assert_eq!(fast.prime, LARGEST_U64_PRIME);
    assert!(fast.expected_secs < 3.0);
    // The book's machine: 5000111000222021 took 3.3 s.
    let book_rate = divisions_for_prime(BOOK_PRIME) as f64 / 3.3;
    let book = calibrate(book_rate, 3.3);
    assert!(
        book.prime >= BOOK_PRIME - 1_000_000 && book.prime <= BOOK_PRIME + 1_000_000,
        "{book:?}"
    );
}

#[test]
fn number_lists_take_lines_and_commas_and_name_the_bad_line() {
    use spinlab::primes::{MAX_NUMBERS, parse_number_list};
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
    use spinlab::primes::parse_number_list;
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
    use spinlab::primes::parse_number_list;
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

#[test]
fn the_calibrated_fixture_has_the_books_shape_and_the_asked_cost() {
    use spinlab::primes::{calibrated_fixture, divisions_for_prime};
    let rate = 435e6;
    let fixture = calibrated_fixture(rate, 20.0);
    assert_eq!(fixture.len(), 20);
    assert!(
        fixture.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted, no repeats"
    );
    for &(n, prime) in &fixture {
        assert_eq!(miller_rabin(n), prime, "{n}");
    }
    let primes: Vec<u64> = fixture.iter().filter(|f| f.1).map(|f| f.0).collect();
    let squares: Vec<u64> = fixture
        .iter()
        .filter(|&&(n, p)| !p && miller_rabin(n.isqrt()) && n.isqrt().pow(2) == n)
        .map(|f| f.0)
        .collect();
    assert_eq!((primes.len(), squares.len()), (10, 5));
    // The heavy checks add up to the target at that rate (a square costs the
    // divisions up to its root, which is a prime).
    let divisions: u64 = primes
        .iter()
        .map(|&p| divisions_for_prime(p))
        .chain(squares.iter().map(|&s| (s.isqrt() - 1) / 2))
        .sum();
    let secs = divisions as f64 / rate;
    assert!((secs - 20.0).abs() < 0.1, "predicted {secs} s");
    // The trivial ones fall at once: a factor of 2 or 5.
    for &(n, prime) in &fixture {
        if !prime && !squares.contains(&n) {
            assert!(n % 2 == 0 || n % 5 == 0, "{n} is trivial");
        }
    }
}

#[test]
fn divisor_ranges_cover_the_books_divisions_exactly_once() {
    use spinlab::primes::{divisor_ranges, has_divisor_in};
    use std::sync::atomic::AtomicBool;
    for n in [
        9u64,
        25,
        49,
        97,
        1_000_003,
        999_999_999_989,
        BOOK_PRIME,
        4_294_967_291 * 3,
    ] {
        for parts in [1, 2, 3, 7, 64] {
            let ranges = divisor_ranges(n, parts);
            let odd: Vec<u64> = (3..=n.isqrt()).step_by(2).collect();
            if n > 1_000_000_000_000 {
                // Too many to list: check the joins instead.
                assert_eq!(ranges.first().unwrap().0, 3);
                assert_eq!(ranges.last().unwrap().1, odd_last(n));
                assert!(
                    ranges.windows(2).all(|w| w[1].0 == w[0].1 + 2),
                    "{n}/{parts}: {ranges:?}"
                );
            } else {
                let covered: Vec<u64> = ranges
                    .iter()
                    .flat_map(|&(a, b)| (a..=b).step_by(2))
                    .collect();
                assert_eq!(covered, odd, "{n} in {parts} parts");
            }
            let never = AtomicBool::new(false);
            if n < 1_000_000_000_000 {
                let found = ranges.iter().any(|&(a, b)| has_divisor_in(n, a, b, &never));
                assert_eq!(!found, is_prime(n), "{n} in {parts} parts");
            }
        }
    }
    assert!(divisor_ranges(8, 4).is_empty() && divisor_ranges(7, 4).is_empty());
}

fn odd_last(n: u64) -> u64 {
    let r = n.isqrt();
    if r.is_multiple_of(2) { r - 1 } else { r }
}

#[test]
fn speed_share_compares_timed_primes_with_the_calibrated_rate() {
    use spinlab::primes::{divisions_for_prime, speed_share};
    let rate = 400e6;
    let at = |share: f64, n: u64| (n, divisions_for_prime(n) as f64 / (rate * share));
    // Checks that ran at full speed, and at a quarter of it (unoptimised code).
    let full = [at(1.0, BOOK_PRIME), at(1.0, 9_999_999_999_999_917)];
    let slow = [at(0.25, BOOK_PRIME), at(0.25, 9_999_999_999_999_917)];
    assert!((speed_share(&full, rate).unwrap() - 1.0).abs() < 1e-9);
    assert!((speed_share(&slow, rate).unwrap() - 0.25).abs() < 1e-9);
    // Quick checks and too little timing tell nothing.
    assert_eq!(
        speed_share(&[(2, 0.000001), (142_702_110_479_723, 0.001)], rate),
        None
    );
    assert_eq!(speed_share(&[], rate), None);
}
