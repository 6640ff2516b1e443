use proptest::prelude::*;

use super::*;
use crate::bench::lesson_workload;

fn shared(diagram: Diagram, scenario: Option<Scenario>) -> Shared {
    Shared {
        diagram,
        scenario,
        challenge: None,
    }
}

/// A small diagram with everything a link must carry: custom ids and names, a data
/// center, parameters of every type, a wire to each.
fn varied() -> (Diagram, Scenario) {
    let mut d = Diagram::default();
    let dc = d.add_data_center(Region::Europe, 400.0, -32.0, 416.0, 288.0);
    let u = d.add_node(Kind::Users, 16.0, 32.0);
    let lb = d.add_node(Kind::LoadBalancer, 208.5, 32.25);
    let w = d.add_node(Kind::WebServer, 448.0, 0.0);
    let db = d.add_node(Kind::Database, 656.0, 0.0);
    d.set_param(&u, "region", ParamValue::Text("asia".into()))
        .unwrap();
    d.set_param(&w, "size", ParamValue::Text("large".into()))
        .unwrap();
    d.set_param(&lb, "health_checks", ParamValue::Bool(false))
        .unwrap();
    d.set_param(&db, "replication_lag_ms", ParamValue::Num(12.5))
        .unwrap();
    d.rename_node(&w, "Front «one»").unwrap();
    d.nodes[3].id = "primary".into();
    for (a, b) in [(&u, &lb), (&lb, &w)] {
        d.connect(a, b).unwrap();
    }
    d.connect(&w, "primary").unwrap();
    d.set_node_dc(&w, Some(&dc));
    d.set_node_dc("primary", Some(&dc));
    let mut s = Scenario {
        duration_s: 90,
        seed: 123_456_789_012,
        client_timeout_ms: 1500,
        job_ms: 40.0,
        latency_scale: 0.5,
        keys: KeyPopularity::Uniform { keys: 777 },
        ..Scenario::default()
    };
    s.traffic.insert(
        u.clone(),
        Traffic {
            profile: Profile::Spike {
                at_s: 20,
                len_s: 5,
                factor: 3.25,
            },
            rps: 1234.5,
        },
    );
    s.default_traffic = Some(Traffic {
        profile: Profile::Ramp { from_rps: 0.1 },
        rps: 1.0 / 3.0,
    });
    s.events = vec![
        ScheduledEvent {
            at_s: 10.0,
            action: Action::KillNode(w.clone()),
        },
        ScheduledEvent {
            at_s: 12.5,
            action: Action::RestoreNode(w.clone()),
        },
        ScheduledEvent {
            at_s: 30.0,
            action: Action::KillDc(dc.clone()),
        },
        ScheduledEvent {
            at_s: 40.0,
            action: Action::RestoreDc(dc),
        },
    ];
    s.windows.push(Window {
        name: "after the failure".into(),
        from_s: 10.0,
        to_s: 20.0,
    });
    (d, s)
}

fn every_goal(d: &Diagram) -> Vec<Goal> {
    vec![
        Goal::Metric {
            metric: Metric::P95Ms,
            op: Op::Le,
            value: 200.0,
            window: Some("after the failure".into()),
            request_kind: Some(RequestKind::Write),
            label: Some("Writes stay fast".into()),
        },
        Goal::Metric {
            metric: Metric::ShardImbalance,
            op: Op::Lt,
            value: 1.5,
            window: None,
            request_kind: None,
            label: None,
        },
        Goal::NodeMetric {
            node: Some(d.nodes[2].id.clone()),
            kind: None,
            metric: NodeMetric::Utilisation,
            op: Op::Le,
            value: 0.8,
            label: None,
        },
        Goal::NodeMetric {
            node: None,
            kind: Some(Kind::Cache),
            metric: NodeMetric::HitRate,
            op: Op::Ge,
            value: 0.9,
            label: Some("Hits".into()),
        },
        Goal::Has {
            kind: Kind::LoadBalancer,
            at_least: 2,
            label: None,
        },
        Goal::NoSinglePointOfFailure {
            kind: Some(Kind::WebServer),
            label: None,
        },
        Goal::SessionsNotOnWebServers { label: None },
    ]
}

#[test]
fn a_challenge_may_start_unfinished_but_a_design_may_not() {
    // Only the Users: the solver builds the rest.
    let mut d = Diagram::default();
    let u = d.add_node(Kind::Users, 16.0, 48.0);
    let mut s = Scenario::default();
    s.set_rps(&u, 100.0);
    let challenge = Challenge {
        title: "Build it".into(),
        text: String::new(),
        goals: vec![Goal::NoSinglePointOfFailure {
            kind: None,
            label: None,
        }],
    };
    let start = Shared {
        challenge: Some(challenge),
        ..shared(d.clone(), Some(s.clone()))
    };
    assert_eq!(start.problems(), Vec::<String>::new());
    assert_eq!(from_link(&to_link(&start)), Ok(start));
    // The same diagram as a design to open is refused: it cannot run.
    let design = shared(d.clone(), Some(s));
    assert!(!design.problems().is_empty());
    assert!(matches!(
        from_link(&to_link(&design)),
        Err(LinkError::Invalid(_))
    ));
    // A challenge's diagram must still be well formed: a setting out of range is refused.
    let mut bad = d.clone();
    bad.nodes[0]
        .params
        .insert("users".into(), ParamValue::Num(1e9));
    let start = Shared {
        diagram: bad,
        ..start_clone(&design)
    };
    assert!(!start.problems().is_empty(), "{:?}", start.problems());
}

fn start_clone(design: &Shared) -> Shared {
    Shared {
        challenge: Some(Challenge {
            title: "Build it".into(),
            text: String::new(),
            goals: Vec::new(),
        }),
        ..design.clone()
    }
}

#[test]
fn a_link_gives_back_exactly_what_was_shared() {
    let (d, s) = varied();
    for sh in [
        shared(d.clone(), None),
        shared(d.clone(), Some(s.clone())),
        Shared {
            challenge: Some(Challenge {
                title: "Survive Friday".into(),
                text: "Keep **p95** low.".into(),
                goals: every_goal(&d),
            }),
            ..shared(d.clone(), Some(s.clone()))
        },
    ] {
        let link = to_link(&sh);
        assert!(link.starts_with("s="));
        assert_eq!(from_link(&link).unwrap(), sh);
        // The whole address works as well as its fragment.
        let address = format!("https://example.org/scalelab/#{link}");
        assert_eq!(from_link(&address).unwrap(), sh);
    }
}

#[test]
fn a_hand_made_link_opens_fitted_to_what_the_editor_and_files_take() {
    let (mut d, s) = varied();
    d.nodes[0].x = 5e6;
    d.nodes[0].y = -7e9;
    d.nodes[1].name = "   ".into();
    d.nodes[2].name = "x".repeat(60);
    d.data_centers[0].w = 0.0;
    d.data_centers[0].name = String::new();
    let opened = from_link(&to_link(&shared(d.clone(), Some(s)))).unwrap();
    let (n, c) = (&opened.diagram.nodes, &opened.diagram.data_centers[0]);
    assert_eq!((n[0].x, n[0].y), (1_000_000.0, -1_000_000.0));
    assert_eq!(n[1].name, d.nodes[1].kind.info().label);
    assert_eq!(n[2].name, "x".repeat(40));
    assert_eq!((c.w, c.name.as_str()), (1.0, "Data center"));
    // What opened saves as a file that reads back.
    let text = opened.diagram.to_json_pretty();
    assert_eq!(Diagram::from_json(&text).unwrap(), opened.diagram);
}

#[test]
fn random_failures_travel_in_a_link_and_a_version_2_link_still_opens() {
    let (d, mut s) = varied();
    s.random_failures = Some(RandomFailures {
        kinds: vec![Kind::Database, Kind::WebServer],
        every_s: 45.5,
        down_s: 7.25,
    });
    let sh = shared(d, Some(s));
    let link = to_link(&sh);
    assert_eq!(from_link(&link).unwrap(), sh);
    // Format 2 held the same body with neither check nor checked bytes.
    let (version, body) = unpack(&link[2..], MAX_LINK_CHARS, MAX_LINK_BODY).unwrap();
    assert_eq!(version, LINK_VERSION);
    let mut v2 = vec![2];
    v2.extend(lz::compress(&body));
    assert_eq!(
        from_link(&format!("s={}", base64url::encode(&v2))).unwrap(),
        sh
    );
}

#[test]
fn a_character_changed_or_lost_on_the_way_is_caught_by_the_check() {
    let (d, s) = varied();
    let link = to_link(&shared(d, Some(s)));
    let code = &link[2..];
    // From the third character on, every character holds only bits of the check and
    // the body (the first two hold the version byte, the second also four bits of the
    // check: a change there can make an older version, which has no check).
    for i in 2..code.len() {
        for c in ['A', 'q', '7', '_'] {
            if code.as_bytes()[i] == c as u8 {
                continue;
            }
            let changed = format!("s={}{c}{}", &code[..i], &code[i + 1..]);
            let err = from_link(&changed).unwrap_err();
            let last = i == code.len() - 1;
            assert!(
                matches!(&err, LinkError::Damaged(why) if last || why.contains("does not match its own check")),
                "{c} at {i}: {err}"
            );
        }
        let lost = format!("s={}{}", &code[..i], &code[i + 1..]);
        assert!(
            matches!(from_link(&lost), Err(LinkError::Damaged(_))),
            "lost at {i}"
        );
    }
    // A saved record is checked the same way.
    let record = to_record(&Record::Diagram(varied().0));
    let i = record.len() / 2;
    let c = if record.as_bytes()[i] == b'A' {
        'B'
    } else {
        'A'
    };
    let changed = format!("{}{c}{}", &record[..i], &record[i + 1..]);
    assert!(matches!(from_record(&changed), Err(LinkError::Damaged(_))));
}

#[test]
fn a_sixty_node_diagram_fits_in_a_short_link() {
    let (d, s) = lesson_workload(100.0);
    assert_eq!((d.nodes.len(), d.edges.len()), (60, 80));
    let diagram_only = to_link(&shared(d.clone(), None));
    let with_scenario = to_link(&shared(d.clone(), Some(s.clone())));
    assert!(
        diagram_only.len() <= 1000,
        "{} characters",
        diagram_only.len()
    );
    assert!(
        with_scenario.len() <= 1500,
        "{} characters",
        with_scenario.len()
    );
    assert_eq!(from_link(&with_scenario).unwrap().diagram, d);
}

/// A version-1 link written when the format was introduced. Later versions must keep
/// reading it as this diagram: Users 1 → Web server 1, the server large.
const V1_LINK: &str = "s=AZADAAACAwABgAGAAwADAwGADYADAQEDAgEBAg";

#[test]
fn a_version_1_link_still_opens() {
    let mut expected = Diagram::default();
    let u = expected.add_node(Kind::Users, 16.0, 48.0);
    let w = expected.add_node(Kind::WebServer, 208.0, 48.0);
    expected.connect(&u, &w).unwrap();
    expected
        .set_param(&w, "size", ParamValue::Text("large".into()))
        .unwrap();
    let opened = from_link(V1_LINK);
    assert_eq!(
        opened.map(|s| s.diagram),
        Ok(expected.clone()),
        "today's link for it is {}",
        to_link(&shared(expected, None))
    );
}

#[test]
fn bad_links_are_refused_with_a_sentence() {
    let (d, s) = varied();
    let link = to_link(&shared(d, Some(s)));
    let cases: Vec<(String, &str)> = vec![
        ("https://example.org/".into(), "not a Scale Lab link"),
        ("s=".into(), "not a Scale Lab link"),
        (format!("{}!", &link), "character that does not belong"),
        (link[..link.len() / 2].to_string(), "damaged"),
        (
            format!("s={}", base64url::encode(&[9, 0, 0])),
            "newer version of Scale Lab",
        ),
    ];
    for (text, expect) in cases {
        let err = from_link(&text).unwrap_err().to_string();
        assert!(err.contains(expect), "{text}: {err}");
        assert!(!err.contains("Err") && !err.contains("::"), "{err}");
    }
}

#[test]
fn a_number_that_is_not_finite_or_a_setting_given_twice_is_damage() {
    let (mut d, _) = varied();
    d.nodes[1].x = f64::NAN;
    let err = from_link(&to_link(&shared(d, None))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "This link is damaged and cannot be opened. It contains a number that is infinite or not a number."
    );

    // A web server whose "instances" is written twice (the writer never does this).
    let mut w = ByteWriter::new();
    w.write_u8(0);
    w.write_u64(0);
    w.write_u64(1);
    w.write_u8(NODE_ID_NUMBERED | NODE_NAME_DEFAULT);
    w.write_u64(Kind::WebServer as u64);
    w.write_u64(1);
    write_num(&mut w, 0.0);
    write_num(&mut w, 0.0);
    w.write_u64(2);
    for n in [2.0, 3.0] {
        write_param(&mut w, Kind::WebServer, "instances", &ParamValue::Num(n));
    }
    w.write_u64(0);
    let err = from_link(&format!("s={}", pack(&w.into_bytes()))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "This link is damaged and cannot be opened. It gives a component the same setting twice."
    );
}

#[test]
fn what_a_link_could_not_give_back_is_refused_before_it_is_handed_out() {
    let (d, mut s) = varied();
    s.windows[0].name = "w".repeat(257);
    let design = shared(d, Some(s));
    assert!(design.problems()[0].ends_with("has 257 characters; it can have at most 64."));
    // What the reader cannot hold at all is said first.
    assert_eq!(
        design.link_problem().as_deref(),
        Some("A link cannot hold this. It contains an item larger than allowed (at most 256).")
    );
    let mut fits = design.clone();
    // The longest name a file may give a window, in characters of four bytes, fits.
    let longest = "𝄞".repeat(crate::format::MAX_LABEL_CHARS);
    fits.scenario.as_mut().unwrap().windows[0].name = longest;
    assert_eq!(fits.link_problem(), None);
}

#[test]
fn a_text_longer_than_a_file_takes_is_refused_even_when_a_link_holds_it() {
    // 65 characters fit in a link's 256 bytes, but no file takes them.
    let (d, mut s) = varied();
    let long = "x".repeat(65);
    s.windows[0].name = long.clone();
    let mut goals = every_goal(&d);
    // The goal naming the window keeps pointing at it.
    goals.retain(|g| {
        !matches!(
            g,
            Goal::Metric {
                window: Some(_),
                ..
            }
        )
    });
    goals.push(Goal::Has {
        kind: Kind::Cache,
        at_least: 1,
        label: Some(long.clone()),
    });
    let challenge = Shared {
        challenge: Some(Challenge {
            title: long,
            text: String::new(),
            goals,
        }),
        ..shared(d, Some(s))
    };
    // Quoted shortened to 40 characters, the last one "…".
    let quoted = format!(
        "(\"{}…\") has 65 characters; it can have at most 64.",
        "x".repeat(39)
    );
    let Err(LinkError::Invalid(problems)) = from_link(&to_link(&challenge)) else {
        panic!("a 65-character text opened");
    };
    assert_eq!(
        problems,
        [
            format!("A time window's name {quoted}"),
            format!("The challenge's title {quoted}"),
            format!("A goal's label {quoted}"),
        ]
    );
    // 64 characters open.
    let mut fits = challenge.clone();
    let sixty_four = "x".repeat(64);
    fits.scenario.as_mut().unwrap().windows[0].name = sixty_four.clone();
    let c = fits.challenge.as_mut().unwrap();
    c.title = sixty_four.clone();
    if let Some(Goal::Has { label, .. }) = c.goals.last_mut() {
        *label = Some(sixty_four);
    }
    assert_eq!(from_link(&to_link(&fits)).unwrap(), fits);
}

#[test]
fn a_link_whose_design_the_engine_refuses_is_refused_with_its_reasons() {
    let (mut d, s) = varied();
    // A wire the engine does not allow: a database sending to users.
    d.edges.push(Edge {
        from: "primary".into(),
        to: d.nodes[0].id.clone(),
    });
    let link = to_link(&shared(d, Some(s)));
    match from_link(&link) {
        Err(LinkError::Invalid(problems)) => assert!(!problems.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn counts_above_the_limits_are_refused_before_reading_on() {
    // Flags 0, no data centers, then 10^9 nodes.
    let mut w = ByteWriter::new();
    w.write_u8(0);
    w.write_u64(0);
    w.write_u64(1_000_000_000);
    let payload = pack(&w.into_bytes());
    let err = from_link(&format!("s={}", payload)).unwrap_err();
    assert!(err.to_string().contains("larger than allowed"), "{err}");
}

#[test]
fn a_compiled_course_reads_back_as_the_lessons() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../lessons/01-single-server.json"
    ))
    .unwrap();
    let one = Lesson::from_json(&text).unwrap();
    let mut two = one.clone();
    two.id = "two".into();
    two.starter = Starter::Continue(Additions {
        nodes: vec![one.solution.nodes[0].clone()],
        edges: one.solution.edges.clone(),
        data_centers: Vec::new(),
    });
    two.prediction = None;
    two.unlocks_data_centers = true;
    let lessons = vec![one, two];
    let bytes = compile_course("The course", &lessons);
    assert_eq!(
        read_course(&bytes).unwrap(),
        ("The course".to_string(), lessons)
    );
    let message = |b: &[u8]| read_course(b).unwrap_err().to_string();
    assert!(message(&bytes[..bytes.len() - 3])
        .starts_with("The course could not be loaded. The file is damaged."));
    assert!(message(b"{\"version\": 1}").contains("not a compiled Scale Lab course"));
    // A course of another format version says which way to go, never "link".
    let mut older = bytes.clone();
    older[4] = COURSE_VERSION - 1;
    assert!(
        message(&older).contains("an older version"),
        "{}",
        message(&older)
    );
    let mut newer = bytes.clone();
    newer[4] = COURSE_VERSION + 1;
    assert!(
        message(&newer).contains("a newer version"),
        "{}",
        message(&newer)
    );
    for b in [&bytes[..5], &older, &newer, &bytes[..bytes.len() - 3]] {
        assert!(!message(b).contains("link"), "{}", message(b));
    }
}

#[test]
fn numbers_are_short_when_they_can_be_and_always_exact() {
    let len = |v: f64| {
        let mut w = ByteWriter::new();
        write_num(&mut w, v);
        w.len()
    };
    assert_eq!(len(5.0), 1);
    assert_eq!(len(208.0), 2);
    assert_eq!(len(-1000.0), 2);
    assert_eq!(len(0.25), 2);
    assert_eq!(len(1.0 / 3.0), 9);
}

#[test]
fn a_record_gives_back_exactly_what_was_kept_unchecked() {
    let (d, mut s) = varied();
    s.random_failures = Some(RandomFailures {
        kinds: vec![Kind::WebServer, Kind::Database],
        every_s: 300.0,
        down_s: 2.5,
    });
    // A scenario or goals on their own name nodes of no diagram; a sandbox mid-edit
    // may be a design the engine refuses (here: Users wired to nothing).
    let mut unfinished = Diagram::default();
    unfinished.add_node(Kind::Users, 0.0, 0.0);
    assert!(!shared(unfinished.clone(), None).problems().is_empty());
    for record in [
        Record::Diagram(d.clone()),
        Record::Sandbox(d.clone(), s.clone()),
        Record::Sandbox(unfinished, Scenario::default()),
        Record::Scenario(s),
        Record::Goals(every_goal(&d)),
    ] {
        let text = to_record(&record);
        assert!(text.starts_with("r="), "{text}");
        assert_eq!(from_record(&text).unwrap(), record);
    }
}

#[test]
fn what_is_not_a_record_or_does_not_read_is_refused() {
    // A value saved by an older Scale Lab (JSON) is "not a record": the app converts it.
    assert_eq!(from_record("{\"version\": 2}"), Err(LinkError::NotALink));
    assert_eq!(from_record("r="), Err(LinkError::NotALink));
    let text = to_record(&Record::Diagram(varied().0));
    let mut newer = base64url::decode(&text[2..], MAX_LINK_CHARS).unwrap();
    newer[0] = 0;
    assert_eq!(
        from_record(&format!("r={}", base64url::encode(&newer))),
        Err(LinkError::NotALink)
    );
    newer[0] = LINK_VERSION + 1;
    assert!(matches!(
        from_record(&format!("r={}", base64url::encode(&newer))),
        Err(LinkError::TooNew { .. })
    ));
    for cut in [3, text.len() / 2, text.len() - 1] {
        assert!(
            matches!(from_record(&text[..cut]), Err(LinkError::Damaged(_))),
            "cut at {cut}"
        );
    }
    let unknown = pack(&[9]);
    assert!(matches!(
        from_record(&format!("r={}", unknown)),
        Err(LinkError::Damaged(_))
    ));
}

proptest! {
    #[test]
    fn any_record_bytes_are_refused_or_read_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let compressed = pack(&bytes);
        let _ = from_record(&format!("r={}", compressed));
        let _ = from_record(&format!("r={}", base64url::encode(&bytes)));
    }

    #[test]
    fn every_finite_number_reads_back_bit_for_bit_and_no_other(bits in any::<u64>()) {
        // Half the cases with the exponent all ones: infinities and NaNs.
        let bits = if bits & 1 == 0 { bits | 0x7ff0_0000_0000_0000 } else { bits };
        let v = f64::from_bits(bits);
        let mut w = ByteWriter::new();
        write_num(&mut w, v);
        let bytes = w.into_bytes();
        let back = read_num(&mut ByteReader::new(&bytes));
        if v.is_finite() {
            prop_assert_eq!(back.unwrap().to_bits(), v.to_bits());
        } else {
            prop_assert!(back.is_err(), "{v} was read back");
        }
    }

    #[test]
    fn decimal_numbers_read_back_bit_for_bit(k in -1_000_000_000i64..1_000_000_000) {
        // Products and quotients round differently: both must come back exactly.
        for v in [k as f64 * 0.001, k as f64 / 1000.0, k as f64 * 0.1, k as f64 / 3.0] {
            let mut w = ByteWriter::new();
            write_num(&mut w, v);
            let bytes = w.into_bytes();
            let back = read_num(&mut ByteReader::new(&bytes)).unwrap();
            prop_assert_eq!(back.to_bits(), v.to_bits(), "{}", v);
        }
    }

    #[test]
    fn any_bytes_are_refused_or_read_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = from_link(&format!("s={}", base64url::encode(&bytes)));
        let compressed = pack(&bytes);
        let _ = from_link(&format!("s={}", compressed));
        let _ = read_course(&bytes);
    }

    #[test]
    fn any_text_is_refused_or_read_never_a_panic(text in "\\PC{0,60}") {
        let _ = from_link(&text);
        let _ = from_link(&format!("s={text}"));
    }

    #[test]
    fn moved_and_renamed_diagrams_read_back(
        xs in proptest::collection::vec(-5000.0f64..5000.0, 4),
        name in "[a-zA-Z0-9é][a-zA-Z0-9 é]{0,19}",
    ) {
        let (mut d, s) = varied();
        for (n, x) in d.nodes.iter_mut().zip(&xs) {
            n.x = *x;
            n.y = -x / 7.0;
        }
        d.nodes[1].name = name;
        let sh = shared(d, Some(s));
        prop_assert_eq!(from_link(&to_link(&sh)).unwrap(), sh);
    }
}
