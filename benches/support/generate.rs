//! Generates large, realistic, error-free pipelines for benchmarks: a fan-out/fan-in job
//! graph with matrices, services, conditions, outputs, gates and environments, shaped like
//! the seed pipelines but `jobs` long.

use std::fmt::Write as _;

/// A pipeline with `jobs` jobs (at least 4). Deterministic: same `jobs`, same text.
pub fn pipeline(jobs: usize) -> String {
    let jobs = jobs.max(4);
    let mut out = String::new();
    let _ = writeln!(out, "# Generated benchmark pipeline with {jobs} jobs.");
    out.push_str("let services = [\"frontend\", \"deal-service\", \"financial-service\", \"template-service\"]\n\n");
    out.push_str("pipeline bench \"Benchmark pipeline\" {\n");
    out.push_str(
        "  on push { branches: [\"main\", \"develop\", \"release/**\"], tags: [\"v*.*.*\"] }\n",
    );
    out.push_str("  on pull_request { branches: [\"main\", \"develop\"] }\n");
    out.push_str("  on workflow_dispatch {\n    input environment: choice(\"staging\", \"production\") { default: \"staging\" }\n    input dry_run: bool { default: false }\n  }\n");
    out.push_str("  secrets: [DEPLOY_KEY]\n");
    out.push_str("  env { REGISTRY: \"ghcr.io\", IMAGE_NAME: \"${{ repository }}\" }\n");
    out.push_str("  environment staging { url: \"https://staging.example.com\" }\n");
    out.push_str("  environment production { url: \"https://example.com\", reviewers: 2 }\n");
    out.push_str("  promotion staging -> production\n");
    out.push_str("  gate quality = [job-0000, job-0002]\n\n");
    out.push_str("  job setup {\n    output changed: bool = steps.filter.outputs.changed\n");
    out.push_str("    step { uses: \"actions/checkout@v5\" }\n");
    out.push_str("    step filter \"Detect changes\" { run: \"echo changed=true >> \\\"$GITHUB_OUTPUT\\\"\", outputs: [changed] }\n  }\n\n");
    let body = jobs - 3;
    for index in 0..body {
        let name = format!("job-{index:04}");
        let _ = writeln!(out, "  job {name} \"Job {index}\" {{");
        let mut needs = vec!["setup".to_string()];
        // Odd jobs need the even job before them, even jobs the even job two before: every
        // job is downstream of job-0000, so the gate below covers the deployments.
        if index % 2 == 1 {
            needs.push(format!("job-{:04}", index - 1));
        } else if index >= 2 {
            needs.push(format!("job-{:04}", index - 2));
        }
        if index >= 10 && index % 3 == 0 {
            needs.push(format!("job-{:04}", index - 7));
        }
        let _ = writeln!(out, "    needs: [{}]", needs.join(", "));
        if index % 10 == 5 {
            out.push_str("    when: needs.setup.outputs.changed && (event == \"push\" || event == \"workflow_dispatch\")\n");
        }
        if index % 4 == 0 {
            out.push_str("    matrix { service: services, fail_fast: false }\n");
        }
        if index % 25 == 0 {
            out.push_str("    service postgres { image: \"postgres:16\", env { POSTGRES_PASSWORD: \"test\" }, ports: [\"5432:5432\"] }\n");
        }
        out.push_str("    timeout: 20m\n");
        out.push_str("    env { STAGE: \"");
        out.push_str(&name);
        out.push_str("\" }\n");
        out.push_str("    step { uses: \"actions/checkout@v5\" }\n");
        if index % 4 == 0 {
            out.push_str("    step \"Test ${{ matrix.service }}\" {\n      when: matrix.service != \"frontend\"\n      run: \"\"\"\n        cd services/${{ matrix.service }}\n        make test STAGE=\"$STAGE\"\n        \"\"\"\n    }\n");
        } else {
            out.push_str("    step \"Build\" {\n      run: \"\"\"\n        make build STAGE=\"$STAGE\"\n        make package\n        \"\"\"\n    }\n");
        }
        out.push_str("    step \"Upload results\" {\n      when: always()\n      uses: \"actions/upload-artifact@v5\"\n      with { name: \"results-");
        out.push_str(&name);
        if index % 4 == 0 {
            out.push_str("-${{ matrix.service }}");
        }
        out.push_str("\", path: \"out/\" }\n    }\n  }\n\n");
    }
    let last = format!("job-{:04}", body - 1);
    let _ = write!(
        out,
        "  job deploy-staging {{\n    needs: [{last}]\n    when: branch == \"develop\" || event == \"workflow_dispatch\"\n    environment: staging\n    requires: [quality]\n    step {{ run: \"./deploy.sh staging ${{{{ sha }}}}\", env {{ KEY: secrets.DEPLOY_KEY }} }}\n  }}\n\n"
    );
    out.push_str(
        "  job deploy-production {\n    needs: [deploy-staging]\n    when: event == \"workflow_dispatch\" && inputs.environment == \"production\" && !inputs.dry_run\n    environment: production\n    requires: [quality]\n    step { run: \"./deploy.sh production ${{ sha }}\", env { KEY: secrets.DEPLOY_KEY } }\n    on_failure {\n      step { run: \"./rollback.sh production\" }\n    }\n  }\n}\n",
    );
    out
}
