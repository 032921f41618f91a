//! The default rule set, written from the providers' documented token formats.
//!
//! Each rule names the keywords that must appear near a secret (the Aho-Corasick prefilter looks
//! for them, case-insensitively), a regex whose first participating capture group is the secret value, a minimum
//! Shannon entropy of that value, and positive/negative examples that `cargo test` checks
//! (`rules::tests::every_rule_matches_its_positives_and_not_its_negatives`).
//!
//! The example values are random strings of the right shape, made for these tests; none is a real
//! credential.

use mlsec_findings::Severity;

/// One detection rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// Stable rule id (SARIF `ruleId`).
    pub id: &'static str,
    /// The fingerprint family (`fingerprint::secret(family, ..)`): one credential found by two
    /// rules of the same provider is one finding.
    pub family: &'static str,
    /// One line, shown as the rule's short description.
    pub description: &'static str,
    /// How to fix, in Markdown.
    pub remediation: &'static str,
    /// Severity of a finding.
    pub severity: Severity,
    /// Lower-case keywords; at least one must occur for the regex to run.
    pub keywords: &'static [&'static str],
    /// The regex (bytes API); the first capture group that participates in a match is the secret
    /// value (alternatives may each have their own group).
    pub regex: &'static str,
    /// Minimum Shannon entropy (bits per byte) of the value; 0 disables the check.
    pub min_entropy: f64,
    /// Whether placeholder/stop-word allowlists apply to the value.
    pub allowlist: bool,
    /// Tagged `ml` (the ML pack).
    pub ml: bool,
    /// Lines that must produce a finding of this rule.
    pub positives: &'static [&'static str],
    /// Lines that must not.
    pub negatives: &'static [&'static str],
}

const ROTATE: &str = "Revoke or rotate the credential at the provider first (it is in the repository's history), \
then read it at run time from the CI secret store or the environment.";

/// Severity shorthands.
const C: Severity = Severity::Critical;
const H: Severity = Severity::High;
const M: Severity = Severity::Medium;

/// Separator between a key name and its value in assignments: `=`, `:`, `:=`, `=>`, Makefile
/// `?=`/`::=`/`:::=`, PHP `.=`, optionally quoted key (`"key": `), a type between name and value
/// (Go `var k string =`, Kotlin `val k: String =`), function keyword arguments (`login(key=`), a
/// quoted name followed by the value as the next argument (`setProperty("KEY", "…")`), an XML
/// element (`<key>…</key>`).
macro_rules! sep {
    () => {
        r#"(?:["'\]]{0,3}(?:\s*:?[ \t]*(?i:string|str)\b)?\s*(?:=>|:{1,3}=|[?.+]=|=|:|>|\(\s*(?:[a-z_]+\s*=\s*)?)|["']\s*,)\s*"#
    };
}

/// [`sep!`] followed by an optional opening quote (and Python string prefix).
macro_rules! assign {
    () => {
        concat!(sep!(), r#"[rbf]?["'`]?"#)
    };
}

/// Providers whose name in a variable marks its value as that provider's credential
/// (`service-credential`). Lower case; [`services!`] holds the same list as a regex alternation.
/// The names in [`WEAK_SERVICES`] are also common words (`beta_schedule="linear"`): with them the
/// variable name must say "key", "token", "secret" ... too.
pub const SERVICES: &[&str] = &[
    "adobe",
    "airtable",
    "alibaba",
    "algolia",
    "artifactory",
    "asana",
    "atlassian",
    "authress",
    "beamer",
    "bintray",
    "bitbucket",
    "bittrex",
    "circleci",
    "clickhouse",
    "cloudflare",
    "codecov",
    "coinbase",
    "confluent",
    "contentful",
    "datadog",
    "discord",
    "dropbox",
    "drone",
    "dynatrace",
    "easypost",
    "etsy",
    "facebook",
    "fastly",
    "finicity",
    "finnhub",
    "flickr",
    "freshbooks",
    "gitter",
    "gocardless",
    "hubspot",
    "intercom",
    "jfrog",
    "jira",
    "kraken",
    "kucoin",
    "launchdarkly",
    "linear",
    "linkedin",
    "looker",
    "mailchimp",
    "mailgun",
    "mapbox",
    "mattermost",
    "maxmind",
    "meraki",
    "messagebird",
    "netlify",
    "newrelic",
    "new_relic",
    "new-relic",
    "nytimes",
    "okta",
    "pagerduty",
    "plaid",
    "rapidapi",
    "sendbird",
    "sendinblue",
    "sentry",
    "shippo",
    "sourcegraph",
    "square",
    "sumo",
    "travis",
    "trello",
    "twilio",
    "twitch",
    "twitter",
    "typeform",
    "vault",
    "yandex",
    "zendesk",
];

/// Provider names that are also common words in ML code.
pub const WEAK_SERVICES: &[&str] = &["linear", "square"];

/// [`SERVICES`] as a case-insensitive regex alternation (a macro so that `concat!` can use it).
macro_rules! services {
    () => {
        concat!(
            "(?i:adobe|airtable|alibaba|algolia|artifactory|asana|atlassian|authress|beamer|bintray|",
            "bitbucket|bittrex|circleci|clickhouse|cloudflare|codecov|coinbase|confluent|contentful|",
            "datadog|discord|dropbox|drone|dynatrace|easypost|etsy|facebook|fastly|finicity|",
            "finnhub|flickr|freshbooks|gitter|gocardless|hubspot|intercom|jfrog|jira|kraken|",
            "kucoin|launchdarkly|linear|linkedin|looker|mailchimp|mailgun|mapbox|mattermost|maxmind|",
            "meraki|messagebird|netlify|newrelic|new_relic|new-relic|nytimes|okta|pagerduty|plaid|",
            "rapidapi|sendbird|sendinblue|sentry|shippo|sourcegraph|square|sumo|travis|trello|twilio|twitch|",
            "twitter|typeform|vault|yandex|zendesk)"
        )
    };
}

/// A provider token with a distinctive, documented prefix: high severity, the usual rotation
/// advice, placeholder allowlist, minimum entropy 3.0.
const fn prefixed(
    id: &'static str,
    family: &'static str,
    description: &'static str,
    keywords: &'static [&'static str],
    regex: &'static str,
    positives: &'static [&'static str],
    negatives: &'static [&'static str],
) -> RuleDef {
    RuleDef {
        id,
        family,
        description,
        remediation: ROTATE,
        severity: H,
        keywords,
        regex,
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives,
        negatives,
    }
}

/// The default rules.
pub static RULES: &[RuleDef] = &[
    // ---- cloud ----
    RuleDef {
        id: "aws-access-key-id",
        family: "aws",
        description: "AWS access key id",
        remediation: "Deactivate the key in IAM, then use OIDC (GitHub/GitLab) or an instance role.",
        severity: C,
        keywords: &["akia", "asia", "abia", "acca"],
        regex: r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "aws_access_key_id = AKIAN73U55XTPLPFT7V4",
            "  access_key_id = AKIAN73U55XTPLPFT7V4  # .dvc/config remote",
            "boto3.client('s3', aws_access_key_id='AKIAN73U55XTPLPFT7V4')",
        ],
        negatives: &["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAXXXXXXXXXXXXXXXX", "AKIAN73U55XTPLPFT7V4X1"],
    },
    RuleDef {
        id: "aws-secret-access-key",
        family: "aws",
        description: "AWS secret access key",
        remediation: "Deactivate the key pair in IAM, then use OIDC (GitHub/GitLab) or an instance role.",
        severity: C,
        keywords: &["secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret"],
        regex: concat!(
            r#"(?i)(?:aws_?secret_?access_?key|secret_access_key|secretaccesskey|aws_secret_key|secret-access-key)"#,
            assign!(),
            r#"([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#
        ),
        min_entropy: 4.0,
        allowlist: true,
        ml: false,
        positives: &[
            "aws_secret_access_key = Kjp1vRt/1fjORS+6ilI8ihN5KXSc7Tvo+hBKqFYY",
            "    secret_access_key = Kjp1vRt/1fjORS+6ilI8ihN5KXSc7Tvo+hBKqFYY",
            "s3 = boto3.client('s3', aws_secret_access_key=\"Kjp1vRt/1fjORS+6ilI8ihN5KXSc7Tvo+hBKqFYY\")",
            r#""SecretAccessKey": "Kjp1vRt/1fjORS+6ilI8ihN5KXSc7Tvo+hBKqFYY","#,
        ],
        negatives: &[
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = os.environ['AWS_SECRET_ACCESS_KEY']",
            "aws_secret_access_key = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
    },
    RuleDef {
        id: "gcp-service-account-key",
        family: "gcp",
        description: "GCP service-account key (JSON key file)",
        remediation: "Delete the key in IAM > Service accounts, then use Workload Identity Federation.",
        severity: C,
        keywords: &["private_key_id"],
        regex: r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#,
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[r#"  "private_key_id": "7f770d9106fd287db7f1adbc60926f6967e7893f","#],
        negatives: &[
            r#"  "private_key_id": "<private-key-id>","#,
            r#""private_key_id": "0000000000000000000000000000000000000000""#,
        ],
    },
    RuleDef {
        id: "gcp-api-key",
        family: "gcp",
        description: "Google API key",
        remediation: "Delete or restrict the key in the Google Cloud console (APIs & Services > Credentials).",
        severity: H,
        keywords: &["aiza"],
        regex: r"\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["GOOGLE_API_KEY=AIza-kv5ZJr3J1TWDtkwtDDb_xHKas1VOqg6YYZ"],
        negatives: &["GOOGLE_API_KEY=AIzaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AIza-kv5ZJr3J1TW"],
    },
    RuleDef {
        id: "azure-storage-connection-string",
        family: "azure-storage",
        description: "Azure storage account key (connection string)",
        remediation: "Rotate the storage account key, then use a managed identity or a SAS with an expiry.",
        severity: C,
        keywords: &["accountkey"],
        regex: r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)",
        min_entropy: 4.0,
        allowlist: true,
        ml: false,
        positives: &[
            "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=mlsec;AccountKey=Yn9ZhyiA4uoRgnatmUdjAWtGSU8po+799NksnRH9ucAUsdMlHUvTCQCyEZDz/TddJ8HyS5SUkCnD8zRA9a9Skp==;EndpointSuffix=core.windows.net",
        ],
        negatives: &["AccountKey=<your-account-key>", "AccountKey=${AZURE_KEY}"],
    },
    // ---- VCS, CI, packages ----
    RuleDef {
        id: "github-token",
        family: "github",
        description: "GitHub token (personal access, OAuth, app or refresh token)",
        remediation: "Revoke the token at github.com/settings/tokens; in Actions use `GITHUB_TOKEN` or a secret.",
        severity: C,
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        regex: r"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &[
            "GH_TOKEN=ghp_6yYTWmE4lBYOvfZ8UzDzV8fUkkibjL5DZPjN",
            "git clone https://ghs_6yYTWmE4lBYOvfZ8UzDzV8fUkkibjL5DZPjN@github.com/a/b",
        ],
        negatives: &["GH_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_6yYTWmE4lBYOvfZ8"],
    },
    RuleDef {
        id: "github-fine-grained-token",
        family: "github",
        description: "GitHub fine-grained personal access token",
        remediation: "Revoke the token at github.com/settings/tokens; in Actions use `GITHUB_TOKEN` or a secret.",
        severity: C,
        keywords: &["github_pat_"],
        regex: r"\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &[
            "token: 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",
        ],
        negatives: &[
            "token: github_pat_XXXXXXXXXXXXXXXXXXXXXX_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ],
    },
    RuleDef {
        id: "gitlab-token",
        family: "gitlab",
        description: "GitLab token (personal, project, group, deploy, runner, trigger)",
        remediation: "Revoke the token in GitLab (User settings > Access tokens, or the project's settings).",
        severity: C,
        keywords: &["glpat-", "glrt-", "gldt-", "glptt-", "glsoat-", "glft-"],
        regex: r"\b((?:glpat|glrt|gldt|glptt|glsoat|glft)-[A-Za-z0-9_\-]{20,64})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["CI_TOKEN=glpat-9nhFyJfm5di4PzJ59FHz"],
        negatives: &["CI_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-9nhFyJ"],
    },
    RuleDef {
        id: "pypi-token",
        family: "pypi",
        description: "PyPI API token",
        remediation: "Delete the token at pypi.org/manage/account/token; publish with trusted publishing (OIDC).",
        severity: C,
        keywords: &["pypi-ageichlwas5vcmc"],
        regex: r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})",
        min_entropy: 3.5,
        allowlist: false,
        ml: false,
        positives: &["password = pypi-AgEIcHlwaS5vcmca3u2olZU6uqbgsYlVvsSKuvinX_zMqf9OgXluCZz8xBfZuXTptFyfePpX6N1"],
        negatives: &["pypi-AgEIcHlwaS5vcmc"],
    },
    RuleDef {
        id: "npm-token",
        family: "npm",
        description: "npm access token",
        remediation: "Revoke the token with `npm token revoke`; publish with provenance from CI.",
        severity: H,
        keywords: &["npm_"],
        regex: r"\b(npm_[A-Za-z0-9]{36})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["//registry.npmjs.org/:_authToken=npm_tLpByQxCGClbaNFDpCWNX0D1lZEzgeiwBxfZ"],
        negatives: &["npm_config_cache_directory_for_this_build_x", "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    },
    // ---- chat, payment, mail ----
    RuleDef {
        id: "slack-token",
        family: "slack",
        description: "Slack token",
        remediation: "Revoke the token at api.slack.com/apps (OAuth & Permissions).",
        severity: H,
        keywords: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"],
        regex: r"\b(xox[bpares](?:\.xox[a-z]-\d)?-[0-9A-Za-z\-]{10,250})\b",
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &["SLACK_BOT_TOKEN=xoxb-72616751361-341252427316-4FkQ1okTBGzvAmwufUxbvJDC"],
        negatives: &["SLACK_BOT_TOKEN=xoxb-xxxxxxxxxxx-xxxxxxxxxxxx", "xoxb-"],
    },
    RuleDef {
        id: "slack-webhook-url",
        family: "slack",
        description: "Slack incoming webhook URL",
        remediation: "Regenerate the webhook in the Slack app's settings.",
        severity: M,
        keywords: &["hooks.slack.com"],
        regex: r"((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_]{40,120})",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "url: https://hooks.slack.com/services/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",
            "hooks.slack.com/services/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",
        ],
        negatives: &["url: https://hooks.slack.com/services/T000/B000/XXXX"],
    },
    RuleDef {
        id: "stripe-key",
        family: "stripe",
        description: "Stripe secret or restricted key",
        remediation: "Roll the key in the Stripe dashboard (Developers > API keys).",
        severity: C,
        keywords: &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
        regex: r"\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["stripe.api_key = \"sk_live_lB5er8bOfZqfM2oeq3hDavJA\""],
        negatives: &["stripe.api_key = \"sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\"", "pk_live_lB5er8bOfZqfM2oeq3hDavJA"],
    },
    RuleDef {
        id: "sendgrid-api-key",
        family: "sendgrid",
        description: "SendGrid API key",
        remediation: "Delete the key in SendGrid (Settings > API Keys).",
        severity: H,
        keywords: &["sg."],
        regex: r"\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$)",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["SENDGRID_API_KEY=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"],
        negatives: &["msg.reply_to_sender_with_a_long_name"],
    },
    // ---- keys, tokens, URLs ----
    RuleDef {
        id: "private-key",
        family: "private-key",
        description: "Private key (PEM)",
        remediation: "Treat the key as compromised: revoke what it signs or opens, generate a new one, keep it out of the repository.",
        severity: C,
        keywords: &["private key-----"],
        regex: r"(-----BEGIN[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----(?:\\[rn]|[\r\n])+[A-Za-z0-9+/=\r\n\\:,\- ]{64,}?-----END[ A-Z0-9]{0,20}PRIVATE KEY(?: BLOCK)?-----)",
        min_entropy: 0.0,
        allowlist: false,
        ml: false,
        positives: &[
            r#""private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Yn9ZhyiA4uoRgnatmUdjAWtGSU8po799NksnRH9ucA\n-----END PRIVATE KEY-----\n","#,
        ],
        negatives: &["-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----"],
    },
    RuleDef {
        id: "jwt",
        family: "jwt",
        description: "JSON Web Token",
        remediation: "Invalidate the token's session or signing key; tokens in code usually mean a long-lived credential.",
        severity: M,
        keywords: &["eyj"],
        regex: r"\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{20,})",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.NOaeCtL31Ugq_DfcgaTMnTC0MrAU8urbFt5misIZHbh",
        ],
        negatives: &["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"],
    },
    RuleDef {
        id: "database-url-password",
        family: "database-url",
        description: "Database or message-broker URL with a password",
        remediation: "Move the password to a secret store and rotate it; build the URL at run time.",
        severity: H,
        keywords: &[
            "postgres",
            "mysql",
            "mariadb",
            "mongodb",
            "redis",
            "amqp",
            "mssql",
            "sqlserver",
            "clickhouse",
            "rediss",
        ],
        regex: r#"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse)(?:\+[a-z0-9]+)?://[^:@/\s"'`]{1,64}:([^@/\s"'`]{3,128})@[^\s"'`/]+"#,
        min_entropy: 0.0,
        allowlist: true,
        ml: false,
        positives: &[
            "MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:Tr0ub4dor-and-3@db:5432/mlflow",
            "broker_url = 'amqp://celery:9nhFyJfm5di4@rabbit:5672//'",
            "mongodb+srv://app:S3cr3tPw0rd9@cluster0.abcde.mongodb.net/test",
        ],
        negatives: &[
            "postgresql://mlflow:${DB_PASSWORD}@db:5432/mlflow",
            "postgresql://user:password@localhost/db",
            "redis://:<password>@localhost:6379",
            "postgresql://mlflow@db:5432/mlflow",
        ],
    },
    // ---- ML pack ----
    RuleDef {
        id: "huggingface-token",
        family: "huggingface",
        description: "Hugging Face access token",
        remediation: "Revoke the token at huggingface.co/settings/tokens and read it from `HF_TOKEN` instead.",
        severity: H,
        keywords: &["hf_"],
        regex: r"(?:^|[^A-Za-z0-9_])(hf_[A-Za-z0-9]{34,40})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "login(token=\"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\")",
            "HF_TOKEN=hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL",
            r#"    "huggingface-cli login --token hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\n","#,
        ],
        negatives: &[
            "from huggingface_hub import hf_hub_download",
            "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "tok = hf_hub_download_and_cache_model_snapshot",
            "token=\"hf_YOUR_TOKEN_HERE\"",
        ],
    },
    RuleDef {
        id: "huggingface-org-token",
        family: "huggingface",
        description: "Hugging Face organization API token",
        remediation: "Revoke the token in the organization's settings on huggingface.co.",
        severity: H,
        keywords: &["api_org_"],
        regex: r"\b(api_org_[A-Za-z0-9]{34})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &["HUGGING_FACE_HUB_TOKEN=api_org_8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKd"],
        negatives: &["api_org_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    },
    RuleDef {
        id: "openai-api-key",
        family: "openai",
        description: "OpenAI API key",
        remediation: "Revoke the key at platform.openai.com/api-keys and read it from `OPENAI_API_KEY`.",
        severity: H,
        keywords: &["t3blbkfj"],
        regex: r"\b(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{16,200}T3BlbkFJ[A-Za-z0-9_\-]{16,200})",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "openai.api_key = \"sk-proj-IqfEouHgxzNNAL5wIScGT3BlbkFJebcy8F5n3-YNBDRzrZSg\"",
            "OPENAI_API_KEY=sk-IqfEouHgxzNNAL5wIScGT3BlbkFJebcy8F5n3YNBDRzrZSg",
        ],
        negatives: &["OPENAI_API_KEY=sk-...T3BlbkFJ..."],
    },
    RuleDef {
        id: "openai-project-key",
        family: "openai",
        description: "OpenAI project API key",
        remediation: "Revoke the key at platform.openai.com/api-keys and read it from `OPENAI_API_KEY`.",
        severity: H,
        keywords: &["sk-proj-", "sk-svcacct-", "sk-admin-"],
        regex: r"\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{80,200})",
        min_entropy: 4.0,
        allowlist: true,
        ml: true,
        positives: &[
            "client = OpenAI(api_key=\"sk-proj-qbjG3uhkWKFLf6xuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP-tKsf2rcDkdfrUnW5gcF_Ha6ili8GjHEAD6-Wj9KfzjsQGMrb9h_ImB_LK777pzNk8c\")",
        ],
        negatives: &[
            "api_key=\"sk-proj-...\"",
            "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
    },
    RuleDef {
        id: "anthropic-api-key",
        family: "anthropic",
        description: "Anthropic API key",
        remediation: "Revoke the key in the Anthropic console and read it from `ANTHROPIC_API_KEY`.",
        severity: H,
        keywords: &["sk-ant-"],
        regex: r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,120}AA)\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "ANTHROPIC_API_KEY=sk-ant-api03-L6j5IXAAjlsHUqJoUD-_Ydua_5ZMs1SWOpQaPRYpzbLGViYXjU2JgJngKtFI3OyV2dZAkg05rK_gqv81RKMGHZEM9YpvuAA",
        ],
        negatives: &["ANTHROPIC_API_KEY=sk-ant-api03-..."],
    },
    RuleDef {
        id: "cohere-api-key",
        family: "cohere",
        description: "Cohere API key",
        remediation: "Revoke the key at dashboard.cohere.com/api-keys and read it from `CO_API_KEY`.",
        severity: H,
        keywords: &["cohere", "co_api_key"],
        regex: concat!(
            r#"(?i)(?:cohere[a-z_.]*(?:api_?key|client|token)?|co_api_key)"#,
            assign!(),
            r#"([A-Za-z0-9]{40})\b"#
        ),
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "co = cohere.Client(\"enG5ZFJoC6vWCBiJmpflvJfupxqZKm4bV3AyAVHn\")",
            "CO_API_KEY=enG5ZFJoC6vWCBiJmpflvJfupxqZKm4bV3AyAVHn",
        ],
        negatives: &[
            "co = cohere.Client(os.environ[\"CO_API_KEY\"])",
            "CO_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
    },
    RuleDef {
        id: "mistral-api-key",
        family: "mistral",
        description: "Mistral AI API key",
        remediation: "Revoke the key at console.mistral.ai and read it from `MISTRAL_API_KEY`.",
        severity: H,
        keywords: &["mistral"],
        regex: concat!(r#"(?i)mistral[a-z_.]*(?:api_?key|client|token)"#, assign!(), r#"([A-Za-z0-9]{32})\b"#),
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "MISTRAL_API_KEY=yrvWdFrK9xiRGHOY32nfr5pyzPCB9t20",
            "client = MistralClient(api_key=\"yrvWdFrK9xiRGHOY32nfr5pyzPCB9t20\")",
        ],
        negatives: &[
            "model = \"mistralai/Mistral-7B-Instruct-v0.2\"",
            "MISTRAL_API_KEY=your-mistral-api-key-goes-here",
        ],
    },
    RuleDef {
        id: "groq-api-key",
        family: "groq",
        description: "Groq API key",
        remediation: "Revoke the key at console.groq.com/keys and read it from `GROQ_API_KEY`.",
        severity: H,
        keywords: &["gsk_"],
        regex: r"\b(gsk_[A-Za-z0-9]{52})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &["GROQ_API_KEY=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"],
        negatives: &["GROQ_API_KEY=gsk_..."],
    },
    RuleDef {
        id: "replicate-api-token",
        family: "replicate",
        description: "Replicate API token",
        remediation: "Revoke the token at replicate.com/account/api-tokens and read it from `REPLICATE_API_TOKEN`.",
        severity: H,
        keywords: &["r8_"],
        regex: r"\b(r8_[A-Za-z0-9]{37})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &["REPLICATE_API_TOKEN=r8_6cPTt9iOqHOBSWhgetH8LmyqoYMaaItDr9uP1"],
        negatives: &["REPLICATE_API_TOKEN=r8_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    },
    RuleDef {
        id: "together-api-key",
        family: "together",
        description: "Together AI API key",
        remediation: "Revoke the key at api.together.ai/settings/api-keys and read it from `TOGETHER_API_KEY`.",
        severity: H,
        keywords: &["together"],
        regex: concat!(
            r#"(?i)together[a-z_.]*(?:api_?key|client|token)"#,
            assign!(),
            r#"((?:tgp_v1_)?[A-Za-z0-9_\-]{43,64})\b"#
        ),
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &["TOGETHER_API_KEY=7f770d9106fd287db7f1adbc60926f6967e7893f57fd14c1604d115cea325a65"],
        negatives: &["TOGETHER_API_KEY=<your-together-api-key-here-please-set-it-now>"],
    },
    RuleDef {
        id: "langsmith-api-key",
        family: "langsmith",
        description: "LangSmith API key",
        remediation: "Revoke the key in LangSmith settings and read it from `LANGSMITH_API_KEY`.",
        severity: H,
        keywords: &["lsv2_"],
        regex: r"\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: true,
        positives: &["LANGCHAIN_API_KEY=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"],
        negatives: &["LANGCHAIN_API_KEY=lsv2_pt_..."],
    },
    RuleDef {
        id: "pinecone-api-key",
        family: "pinecone",
        description: "Pinecone API key",
        remediation: "Delete the key in the Pinecone console and read it from `PINECONE_API_KEY`.",
        severity: H,
        keywords: &["pcsk_"],
        regex: r"\b(pcsk_[A-Za-z0-9]{4,10}_[A-Za-z0-9]{40,90})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &["PINECONE_API_KEY=pcsk_mVe5Mv_xrv99NcqVTSu7rtaUWM6ZO88eb0ogET9D9XyYq6B0Fi7FlaZ7Vt0SXjMpu3u"],
        negatives: &["PINECONE_API_KEY=pcsk_..."],
    },
    RuleDef {
        id: "wandb-api-key",
        family: "wandb",
        description: "Weights & Biases API key",
        remediation: "Reset the key at wandb.ai/authorize and read it from `WANDB_API_KEY`.",
        severity: H,
        keywords: &["wandb"],
        regex: concat!(
            r#"(?i)(?:wandb[a-z_.]*(?:api_?key|login|key)?"#,
            assign!(),
            r#"|machine\s+api\.wandb\.ai\s+login\s+\S+\s+password\s+)([a-f0-9]{40})\b"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: true,
        positives: &[
            "WANDB_API_KEY=eb26c57d21fa5d328263dfe574de739988b886e7",
            "wandb.login(key=\"eb26c57d21fa5d328263dfe574de739988b886e7\")",
            "machine api.wandb.ai\n  login user\n  password eb26c57d21fa5d328263dfe574de739988b886e7",
        ],
        negatives: &["wandb.login(key=os.environ[\"WANDB_API_KEY\"])", "wandb.init(project=\"mnist\")"],
    },
    RuleDef {
        id: "comet-api-key",
        family: "comet",
        description: "Comet ML API key",
        remediation: "Regenerate the key in Comet account settings and read it from `COMET_API_KEY`.",
        severity: H,
        keywords: &["comet"],
        regex: concat!(r#"(?i)comet[a-z_.]*(?:api_?key|experiment|start|login)"#, assign!(), r#"([A-Za-z0-9]{25})\b"#),
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "COMET_API_KEY=lppjs46LmuezqpGHoPZgPDcga",
            "comet_ml.login(api_key=\"lppjs46LmuezqpGHoPZgPDcga\")",
        ],
        negatives: &["COMET_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxx", "comet_ml.login()"],
    },
    RuleDef {
        id: "neptune-api-token",
        family: "neptune",
        description: "Neptune.ai API token",
        remediation: "Reset the token in Neptune and read it from `NEPTUNE_API_TOKEN`.",
        severity: H,
        keywords: &["eyjhcglfywrkcmvzcyi6"],
        regex: r"\b(eyJhcGlfYWRkcmVzcyI6[A-Za-z0-9+/=]{40,400})",
        min_entropy: 3.5,
        allowlist: false,
        ml: true,
        positives: &[
            "NEPTUNE_API_TOKEN=eyJhcGlfYWRkcmVzcyI6Imh0dHBzOi8vYXBwLm5lcHR1bmUuYWkiLCJhcGlfdXJsIjoiaHR0cHM6Ly9hcHAubmVwdHVuZS5haSIsImFwaV9rZXkiOiJmN2ViMTk3MyJ9",
        ],
        negatives: &["NEPTUNE_API_TOKEN=ANONYMOUS"],
    },
    RuleDef {
        id: "kaggle-api-key",
        family: "kaggle",
        description: "Kaggle API key (kaggle.json or KAGGLE_KEY)",
        remediation: "Expire the token at kaggle.com/settings and pass it to CI as a secret.",
        severity: H,
        keywords: &["kaggle_key", "\"username\""],
        regex: r#"(?i)(?:kaggle_key["'\]]{0,3}\s*[:=]\s*["']?|"username"\s*:\s*"[^"\n]{1,64}"\s*,\s*"key"\s*:\s*")([a-f0-9]{32})\b"#,
        min_entropy: 3.0,
        allowlist: true,
        ml: true,
        positives: &[
            r#"{"username":"alice","key":"f7eb19731662b5e803b61ba4168160ad"}"#,
            "KAGGLE_KEY=f7eb19731662b5e803b61ba4168160ad",
            "os.environ[\"KAGGLE_KEY\"] = \"f7eb19731662b5e803b61ba4168160ad\"",
        ],
        negatives: &[r#"{"username":"alice","key":"<your-kaggle-key>"}"#, "KAGGLE_KEY=${{ secrets.KAGGLE_KEY }}"],
    },
    RuleDef {
        id: "databricks-token",
        family: "databricks",
        description: "Databricks personal access token (MLflow tracking on Databricks)",
        remediation: "Revoke the token in Databricks (User settings > Developer > Access tokens); use OAuth M2M in CI.",
        severity: H,
        keywords: &["dapi"],
        regex: r"\b(dapi[a-f0-9]{32}(?:-\d)?)\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: true,
        positives: &[
            "DATABRICKS_TOKEN=dapib59261ff2d3c425c8d99d19bdd0b6cc6",
            "token = dapib59261ff2d3c425c8d99d19bdd0b6cc6-2",
        ],
        negatives: &["DATABRICKS_TOKEN=dapixxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "dapi_client_config"],
    },
    // ---- more providers (formats from each provider's token documentation) ----
    RuleDef {
        id: "1password-service-account-token",
        family: "1password",
        description: "1Password service account token",
        remediation: "Revoke the service account token in 1Password (Developer > Service accounts).",
        severity: C,
        keywords: &["ops_eyj"],
        regex: r"\b(ops_eyJ[A-Za-z0-9+/]{60,}={0,3})",
        min_entropy: 4.0,
        allowlist: true,
        ml: false,
        positives: &[
            "export OP_SERVICE_ACCOUNT_TOKEN=ops_eyJPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo/hBKqFYY/kv5ZJr3J1TWDtkwtDDb+xHKas",
        ],
        negatives: &["OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ...", "ops_eyJhbGciOi"],
    },
    RuleDef {
        id: "1password-secret-key",
        family: "1password",
        description: "1Password account Secret Key",
        remediation: "Regenerate the Secret Key in 1Password (My Profile > Secret Key) and sign in again everywhere.",
        severity: H,
        keywords: &["a3-"],
        regex: r"\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["secret key: A3-8PJ3KX-W7QM2N-T4R9Z-HC6VB-YE2LD-5FG8S", "A3-8PJ3KX-W7QM2NT4R9Z-HC6VB-YE2LD-5FG8S"],
        negatives: &["A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX", "paper size A3-landscape"],
    },
    RuleDef {
        id: "azure-ad-client-secret",
        family: "azure-ad",
        description: "Microsoft Entra ID (Azure AD) application client secret",
        remediation: "Delete the secret under App registrations > Certificates & secrets; use workload identity federation in CI.",
        severity: C,
        keywords: &["q~"],
        regex: r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &[
            "client_secret=AIx8Q~Oq~g6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU",
            "AZURE_CLIENT_SECRET: \"AIx8Q~Oq~g6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU\"",
        ],
        negatives: &["client_secret=abc8Q~short", "path = ~/Q~backup"],
    },
    RuleDef {
        id: "flyio-access-token",
        family: "flyio",
        description: "Fly.io access token",
        remediation: "Revoke the token with `fly tokens revoke`; use a deploy token stored as a CI secret.",
        severity: H,
        keywords: &["fo1_", "fm1r_", "fm1a_", "fm2_"],
        regex: r"\b(fo1_[A-Za-z0-9_\-]{43}|fm[12][ar]?_[A-Za-z0-9+/=_\-]{100,})(?:[^A-Za-z0-9+/=_\-]|$)",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["FLY_API_TOKEN=fo1_8po_799NksnRH9ucAUsdMlHUvTCQCyEZDz-TddJ8HyS"],
        negatives: &["FLY_API_TOKEN=fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "fo1_config"],
    },
    RuleDef {
        id: "grafana-token",
        family: "grafana",
        description: "Grafana service account or Grafana Cloud access policy token",
        remediation: "Delete the token in Grafana (Administration > Service accounts, or Cloud access policies).",
        severity: H,
        keywords: &["glsa_", "glc_"],
        regex: r"\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2})(?:[^A-Za-z0-9+/=_]|$)",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["'Authorization': 'Bearer glsa_CZ7Uw9xfogoEmvnEN5N1aE6PwZPf1Qh6_c6f5da2c'"],
        negatives: &["glsa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_00000000", "glc_token_name"],
    },
    RuleDef {
        id: "notion-api-token",
        family: "notion",
        description: "Notion integration token",
        remediation: "Refresh the integration secret at notion.so/profile/integrations.",
        severity: H,
        keywords: &["ntn_"],
        regex: r"\b(ntn_[0-9]{11}[A-Za-z0-9]{35})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &["NOTION_TOKEN=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"],
        negatives: &["NOTION_TOKEN=ntn_00000000000xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ntn_76122202972N0MEQ"],
    },
    RuleDef {
        id: "perplexity-api-key",
        family: "perplexity",
        description: "Perplexity API key",
        remediation: "Delete the key in Perplexity's API settings and read it from `PERPLEXITY_API_KEY`.",
        severity: H,
        keywords: &["pplx-"],
        regex: r"\b(pplx-[A-Za-z0-9]{48})\b",
        min_entropy: 3.5,
        allowlist: true,
        ml: true,
        positives: &[
            "client = OpenAI(api_key=\"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\", base_url=url)",
        ],
        negatives: &["api_key=\"pplx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", "pplx-api"],
    },
    RuleDef {
        id: "sourcegraph-access-token",
        family: "sourcegraph",
        description: "Sourcegraph access token",
        remediation: "Delete the token in Sourcegraph (Settings > Access tokens).",
        severity: H,
        keywords: &["sgp_"],
        regex: r"\b(sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["SRC_ACCESS_TOKEN=sgp_f3176813e02ea68e_f786e4d3cea27d26934b484e73cf575dcad6ba2b"],
        negatives: &["SRC_ACCESS_TOKEN=sgp_0000000000000000_0000000000000000000000000000000000000000", "sgp_local"],
    },
    RuleDef {
        id: "age-secret-key",
        family: "age",
        description: "age encryption secret key",
        remediation: "Generate a new identity with `age-keygen`, re-encrypt the files, and keep the key out of the repository.",
        severity: C,
        keywords: &["age-secret-key-1"],
        regex: r"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["AGE-SECRET-KEY-1P4AUPC4JY8WX9S3ZT3GMSEFL593RTMY3P9S9WYS8AQ463GZ082SRTVNNDJ"],
        negatives: &["# AGE-SECRET-KEY-1... goes in keys.txt", "AGE-SECRET-KEY-1bcd"],
    },
    RuleDef {
        id: "digitalocean-token",
        family: "digitalocean",
        description: "DigitalOcean personal access, OAuth or refresh token",
        remediation: "Delete the token in the DigitalOcean control panel (API > Tokens).",
        severity: H,
        keywords: &["dop_v1_", "doo_v1_", "dor_v1_"],
        regex: r"\b(do[opr]_v1_[a-f0-9]{64})\b",
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &["DO_TOKEN=dop_v1_e58b081006f7e3dfc967a64cb14028d512c9791e558e08baa7196b50ac2f8670"],
        negatives: &["DO_TOKEN=dop_v1_0000000000000000000000000000000000000000000000000000000000000000", "dop_v1_"],
    },
    RuleDef {
        id: "atlassian-api-token",
        family: "atlassian",
        description: "Atlassian (Jira, Confluence, Bitbucket) API token",
        remediation: "Revoke the token at id.atlassian.com (Security > API tokens).",
        severity: H,
        keywords: &["atatt3"],
        regex: r"\b(ATATT3[A-Za-z0-9_=\-]{170,200})(?:[^A-Za-z0-9_=\-]|$)",
        min_entropy: 4.0,
        allowlist: true,
        ml: false,
        positives: &[
            "JIRA_API_TOKEN=ATATT3lHlsZfYcMMDktXP-tKsf2rcDkdfrUnW5gcF_Ha6ili8GjHEAD6-Wj9KfzjsQGMrb9h_ImB_LK777pzNk8cL6j5IXAAjlsHUqJoUD-_Ydua_5ZMs1SWOpQaPRYpzbLGViYXjU2JgJngKtFI3OyV2dZAkg05rK_gqv81RKMGHZEM9YpvujA-C5Q52=46725A2A",
        ],
        negatives: &["JIRA_API_TOKEN=ATATT3xFfGF0", "JIRA_API_TOKEN=ATATT3..."],
    },
    RuleDef {
        id: "sentry-token",
        family: "sentry",
        description: "Sentry user or organization auth token",
        remediation: "Revoke the token in Sentry (User settings > Auth tokens, or Organization tokens).",
        severity: H,
        keywords: &["sntryu_", "sntrys_", "sentry"],
        regex: concat!(
            r#"\b(sntryu_[a-f0-9]{64}\b|sntrys_eyJ[A-Za-z0-9+/=_]{60,})|(?i:sentry[a-z_.\-]*(?:token|key))"#,
            assign!(),
            r#"([a-f0-9]{64})\b"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "SENTRY_AUTH_TOKEN=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",
            "SENTRY_TOKEN=7b860dcd6c8a1f8b46287cced9041dff02cee737443e210471948d33296c8700",
        ],
        negatives: &[
            "sntryu_7b860dcd6c8a1f8b46287cced9041dff02cee737443e210471948d33296c8700a",
            "SENTRY_DSN_HASH=7b860dcd6c8a1f8b46287cced9041dff02cee737443e210471948d33296c8700",
            "sentry_token = os.environ['SENTRY_TOKEN']",
        ],
    },
    RuleDef {
        id: "sonarqube-token",
        family: "sonarqube",
        description: "SonarQube / SonarCloud token",
        remediation: "Revoke the token in SonarQube (My Account > Security).",
        severity: H,
        keywords: &["squ_", "sqp_", "sqa_", "sonar"],
        regex: concat!(
            r#"\b(sq[upa]_[a-f0-9]{40})\b|(?i:\bsonar[a-z_.\-]*(?:login|token|key))"#,
            assign!(),
            r#"([A-Za-z0-9]{40})\b"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "SONAR_TOKEN=squ_9e8a7f770d9106fd287db7f1adbc60926f6967e7",
            "sonar.login=9e8a7f770d9106fd287db7f1adbc60926f6967e7",
        ],
        negatives: &["SONAR_TOKEN=${{ secrets.SONAR_TOKEN }}", "sonar.projectKey=my-org_my-project"],
    },
    RuleDef {
        id: "heroku-api-key",
        family: "heroku",
        description: "Heroku API key",
        remediation: "Regenerate the API key in Heroku (Account settings), or revoke the authorization.",
        severity: H,
        keywords: &["hrku-", "heroku"],
        regex: concat!(
            r#"\b(HRKU-[A-Za-z0-9_\-]{60})(?:[^A-Za-z0-9_\-]|$)|(?i:heroku[a-z_\-]*(?:key|token|secret))"#,
            assign!(),
            r#"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "HEROKU_API_KEY=HRKU-HLn-xC_1hsYgBds1ghxY5OokvQyx7eNWVQ4vnakJkS1pAWTN3lg8zV5yPU8d",
            "heroku_api_key = \"d7c1c1e2-1862-ab8a-18a8-902073fec8df\"",
        ],
        negatives: &["heroku_app_id = \"d7c1c1e2-1862-ab8a-18a8-902073fec8df\"", "HEROKU_API_KEY=HRKU-..."],
    },
    RuleDef {
        id: "snyk-api-token",
        family: "snyk",
        description: "Snyk API token",
        remediation: "Revoke the token in Snyk (Account settings > Auth token); use a service account token in CI.",
        severity: H,
        keywords: &["snyk"],
        regex: concat!(
            r#"(?i:snyk[a-z_\-]*(?:token|key|auth))"#,
            assign!(),
            r#"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "SNYK_TOKEN=d7c1c1e2-1862-ab8a-18a8-902073fec8df",
            "const snykKey = \"d7c1c1e2-1862-ab8a-18a8-902073fec8df\"",
        ],
        negatives: &["SNYK_ORG_ID=d7c1c1e2-1862-ab8a-18a8-902073fec8df", "SNYK_TOKEN: ${{ secrets.SNYK_TOKEN }}"],
    },
    RuleDef {
        id: "curl-basic-auth",
        family: "curl-auth",
        description: "Password in a curl command line (`-u user:password`)",
        remediation: "Pass credentials with `--netrc-file` or from an environment variable, never literally.",
        severity: M,
        keywords: &["curl"],
        regex: concat!(
            r#"\bcurl\b(?:[^\n]|\\\n){0,400}?\s(?:-u|--user)[\s=]+["']?[^\s:"'$]{0,64}["']?:["']?([^\s"'$\[<][^\s"'$]{3,127})"#,
            // `-u KEY:` (an API key as the user name, empty password).
            r#"|\bcurl\b(?:[^\n]|\\\n){0,400}?\s(?:-u|--user)[\s=]+["']?([^\s:"'$\[<{]{8,127}):["']?(?:\s|$)"#
        ),
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &[
            "curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://localhost:9200",
            "curl -X POST \\\n  -u developer:i7FlaZ7Vt0SXjMpu https://h/api",
            "curl -u \":i7FlaZ7Vt0SXjMpu\" https://h",
            "curl --user kevin:'i7FlaZ7Vt0SXjMpu' https://h",
            "curl https://api.h/v1/charges -u sk9Fq2LmX7aPz4Rt:",
        ],
        negatives: &[
            "curl -u \"$USER:$TOKEN\" https://h",
            "curl --user neo4j:[PASSWORD] http://h",
            "curl -u admin:${ADMIN_PASSWORD} https://h",
            "curl -u user: https://h",
        ],
    },
    RuleDef {
        id: "curl-auth-header",
        family: "curl-auth",
        description: "Credential in a curl `Authorization` header",
        remediation: "Read the token from an environment variable (`-H \"Authorization: Bearer $TOKEN\"`).",
        severity: M,
        keywords: &["curl"],
        regex: concat!(
            r#"\bcurl\b(?:[^\n]|\\\n){0,400}?\s(?:-H|--header)\s+["']?"#,
            r#"(?:(?i:authorization):\s*(?:(?i:basic|bearer|token)\s+)?|(?i:[a-z0-9\-]*(?:api-?key|token|secret|auth)[a-z0-9\-]*):\s*)"#,
            r#"([A-Za-z0-9._~+/=\-]{8,})"#
        ),
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &[
            "curl --header 'Authorization: Bearer i7FlaZ7Vt0SXjMpu1x' https://h",
            "curl -X GET https://h -H \"X-Api-Key: 3fea6b2c9d1e4f70\"",
            "curl -H 'Authorization: Basic YnJvd3Nlcjo=' \\",
        ],
        negatives: &[
            "curl -H \"Authorization: Bearer $TOKEN\" https://h",
            "curl -H \"Authorization: token ${GITHUB_TOKEN}\" https://h",
            "curl -H \"Content-Type: application/json\" https://h",
        ],
    },
    RuleDef {
        id: "nuget-config-password",
        family: "nuget",
        description: "Clear-text password in a NuGet.config package source",
        remediation: "Use an encrypted password or a credential provider / environment variable in NuGet.config.",
        severity: M,
        keywords: &["password\" value", "password' value"],
        regex: r#"(?i)<add\s+key=["'](?:ClearText)?Password["']\s+value=["']([^"'\s%$]{6,})["']"#,
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &["<add key=\"ClearTextPassword\" value=\"i7FlaZ7Vt0SXjMpu\" />"],
        negatives: &[
            "<add key=\"ClearTextPassword\" value=\"%NUGET_PASSWORD%\" />",
            "<add key=\"Username\" value=\"i7FlaZ7Vt0SXjMpu\" />",
        ],
    },
    RuleDef {
        id: "sidekiq-credentials",
        family: "sidekiq",
        description: "Sidekiq Pro/Enterprise gem server credentials",
        remediation: "Ask Contributed Systems to rotate the credentials; set `BUNDLE_ENTERPRISE__CONTRIBSYS__COM` as a CI secret.",
        severity: H,
        keywords: &["contribsys"],
        regex: concat!(
            r#"(?i)BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[a-z_]*"#,
            assign!(),
            r#"([a-f0-9]{8}:[a-f0-9]{8})\b|https?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com"#
        ),
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &[
            "export BUNDLE_ENTERPRISE__CONTRIBSYS__COM=3fa9c01e:9b2d7e44",
            "source \"https://3fa9c01e:9b2d7e44@enterprise.contribsys.com/\"",
        ],
        negatives: &[
            "BUNDLE_ENTERPRISE__CONTRIBSYS__COM: ${{ secrets.SIDEKIQ }}",
            "source \"https://enterprise.contribsys.com/\"",
        ],
    },
    // ---- more providers (documented prefixes and shapes) ----
    prefixed(
        "telegram-bot-token",
        "telegram",
        "Telegram Bot API token (`<bot id>:<35 characters>`)",
        &["telegram", "bot_token", "bottoken"],
        r"(?i:telegram|bot_?token)[^\n]{0,60}?\b([0-9]{5,16}:A[A-Za-z0-9_\-]{34})(?:[^A-Za-z0-9_\-]|$)",
        &[
            "TELEGRAM_BOT_TOKEN=294028383:AAbM8eQttjiQNV-0C4L2oXrW8wSzJ88z2QC",
            "bot = telegram.Bot(token='294028383:AAbM8eQttjiQNV-0C4L2oXrW8wSzJ88z2QC')",
        ],
        &[
            "TELEGRAM_BOT_TOKEN=294028383:AAbM8eQttjiQNV",
            "telegram_chat = '294028383:AAbM8eQttjiQNV-0C4L2oXrW8wSzJ88z2QCxyz'",
        ],
    ),
    prefixed(
        "openshift-user-token",
        "openshift",
        "OpenShift user token (`sha256~`)",
        &["sha256~"],
        r"\b(sha256~[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|$)",
        &["oc login --token=sha256~kmJI2TW6JH6tJ7aYz7NxWpoiPuj5FDZQlr25wy0OiW1 --server=https://api.x:6443"],
        &["sha256~kmJI2TW6JH6tJ7aYz7Nx", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ),
    prefixed(
        "easypost-api-token",
        "easypost",
        "EasyPost production or test API key (`EZAK`/`EZTK`)",
        &["ezak", "eztk"],
        r"\b(EZ[AT]K[A-Za-z0-9]{54})\b",
        &[
            "EASYPOST_API_KEY=EZAKQzGehKs5qjnVeAcECkbgoEYuAlBrt5zG4naKZrNOUwcLN1rbsOzzPT",
            "client = easypost.EasyPostClient(\"EZTKAeUzwTT2vNJBoPC4a7Wk7cRvgmlN9AJ1bXgJHkC3zntqffNdm4MZ32\")",
        ],
        &["EZAKQzGehKs5qjnVeAcECkbgoEYuAlBrt", "EZAKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "facebook-access-token",
        "facebook",
        "Facebook / Meta Graph API access token (`EAA…`)",
        &["eaa"],
        r"(?:^|[^A-Za-z0-9+/])(EAA[A-Za-z0-9]{90,400})(?:[^A-Za-z0-9+/=]|$)",
        &[
            "FB_PAGE_TOKEN=EAAGh8vE6vZHhwpSNEva12GcAOEFAtZvGG02I2TcW5xmpkR4NrlZJO1n4Ss1UovxEhMonrC3RgrUbVYTxaxu19gxOJ7DmZc5EPuTBh5HprpqHEpTm7KqzcriWPnG4H1gU92He9sh1bzEjHUlmOsfRgB9Ac",
        ],
        &[
            "EAAGh8vE6vZHhwpSNEva12GcAOEFAtZvGG02I2TcW5xmpkR4Nrl",
            "sha = 'eaa1c9d6d2b1e3f4a5b6c7d8e9f0a1b2c3d4e5f6'",
            "iVBORw0KGgo/EAAGh8vE6vZHhwpSNEva12GcAOEFAtZvGG02I2TcW5xmpkR4NrlZJO1n4Ss1UovxEhMonrC3RgrUbVYTxaxu19gxOJ7DmZc5EPuTBh5Hprpq+",
        ],
    ),
    prefixed(
        "vault-token",
        "vault",
        "HashiCorp Vault service, batch or recovery token (`hvs.`, `hvb.`, `hvr.`)",
        &["hvs.", "hvb.", "hvr."],
        r"\b(hv[sbr]\.[A-Za-z0-9_\-]{90,300})(?:[^A-Za-z0-9_\-]|$)",
        &[
            "VAULT_TOKEN=hvs.CAESIde4bhIlXysv24id0gQjuy4f6GlD6f9JHEobhT3fWJHYDkJYPS8-LYf2ABKqodlVhupNKQWFcJboOm0ue7Tj_dl1upSAEhHwFBC-Z",
            "token: hvb.AAAAAQhDXDEqYURMp3_5BW-i78IYgG_GFLzE67p0T_BHVS718dyYXCbOOCDYt-ouexiCAbZVW6gD4hXsrp6K_gaV240ElgLWdExPMJzTzNc3icPatpvNATkJEMh2whjcxJgjSBCjfJMAKih9Ye",
        ],
        &["hvs.CAESIde4bhIlXysv24id0gQjuy4f6", "vault login hvs.<token>"],
    ),
    prefixed(
        "terraform-cloud-token",
        "terraform",
        "Terraform Cloud / Enterprise API token (`<id>.atlasv1.<secret>`)",
        &["atlasv1"],
        r"\b([a-z0-9]{14}\.atlasv1\.[a-z0-9_=\-]{60,70})\b",
        &["token = \"xatf1mqurwor3g.atlasv1.n7u986qskw172rja6r_k_-yuhxe3oukfb7bu5l2qjrmwgs2bkecnw8-vad5qsx36s0p\""],
        &[
            " \"xatf1mqurwor3g.atlasv1.n7u986qskw172rja6r\"",
            "credentials \"app.terraform.io\" { token = \"<atlasv1 token>\" }",
        ],
    ),
    prefixed(
        "intra42-client-secret",
        "intra42",
        "42 intranet (api.intra.42.fr) application secret",
        &["s-s4t2"],
        r"\b(s-s4t2(?:ud|af)-[a-f0-9]{64})\b",
        &["FT_CLIENT_SECRET=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"],
        &["s-s4t2ud-f5da245fcbc6a63fc678ff21f2d1a331", "s-s4t2ud-xxxxxxxx"],
    ),
    prefixed(
        "postman-api-key",
        "postman",
        "Postman API key (`PMAK-`)",
        &["pmak-"],
        r"\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
        &["POSTMAN_API_KEY=PMAK-1bc0b6da7b65200f87fcdc00-54e436193e9af7462453559eabbb349db3"],
        &["PMAK-1bc0b6da7b65200f87fcdc00", "PMAK-xxxxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "dynatrace-api-token",
        "dynatrace",
        "Dynatrace API token (`dt0c01.`)",
        &["dt0c01."],
        r"\b(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b",
        &[
            "DT_API_TOKEN=dt0c01.F9KXCPS76G0IUD49LX7GWCCE.HRYXFRW3NMDSRWNLRL7UVL1Y7YGXZ2AL1LMC97A1KU59CIKJTMQ7T9V0WXXS7BNN",
        ],
        &["dt0c01.F9KXCPS76G0IUD49LX7GWCCE", "dt0c01.ABC"],
    ),
    prefixed(
        "harness-api-key",
        "harness",
        "Harness personal or service-account token (`pat.`/`sat.`)",
        &["pat.", "sat."],
        r"\b((?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})\b",
        &["HARNESS_API_KEY=pat._gKYDyJgpFx2l9kau_89s_.CRP13XjWGyltg4p7BKfsSUNc.h3urubJEyqmtVOR1i7fC"],
        &["m = pat.match(line)", "pat._gKYDyJgpFx2l9kau_89s_.CRP13X"],
    ),
    prefixed(
        "planetscale-token",
        "planetscale",
        "PlanetScale service token, OAuth token or database password (`pscale_`)",
        &["pscale_"],
        r"\b(pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.=\-]{32,64})(?:[^A-Za-z0-9_.=\-]|$)",
        &["PLANETSCALE_SERVICE_TOKEN=pscale_tkn_bvwuYpxKbqDeKiS7oG7F4VEjd4-z7c_kkaVJYcX0n55"],
        &["PLANETSCALE_SERVICE_TOKEN=pscale_tkn_bvwuYpx", "pscale_tkn_<token>"],
    ),
    prefixed(
        "shopify-token",
        "shopify",
        "Shopify access token or shared secret (`shpat_`, `shpca_`, `shppa_`, `shpss_`)",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
        &["SHOPIFY_ACCESS_TOKEN=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"],
        &["SHOPIFY_ACCESS_TOKEN=shpat_fb80631d0333", "shpat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "scalingo-api-token",
        "scalingo",
        "Scalingo API token (`tk-us-`)",
        &["tk-us-"],
        r"\b(tk-us-[A-Za-z0-9_\-]{48})(?:[^A-Za-z0-9_\-]|$)",
        &["SCALINGO_API_TOKEN=tk-us-BV0n-4hDcmo5rq7_lqYoqxFuqYyuHKzxZxQL9h47QHd-If5x"],
        &["tk-us-BV0n-4hDcmo5rq7", "tk-us-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "doppler-token",
        "doppler",
        "Doppler personal, service, CLI, SCIM or audit token (`dp.pt.`, `dp.st.` ...)",
        &["dp.pt.", "dp.st.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."],
        r"\b(dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44})\b",
        &["DOPPLER_TOKEN=dp.pt.2n4gF1FtNXscWbO7A0RGIeKmDmiyDlVQJCdWZr56RW5"],
        &["dp.pt.2n4gF1FtNXscWbO7A0", "DOPPLER_TOKEN=dp.st.${{ secrets.DOPPLER }}"],
    ),
    prefixed(
        "new-relic-key",
        "new-relic",
        "New Relic user API key, ingest/insert key or browser key (`NRAK-`, `NRII-`, `NRJS-`)",
        &["nrak-", "nrii-", "nrjs-"],
        r"\b(NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_\-]{32}|NRJS-[a-f0-9]{19})(?:[^A-Za-z0-9_\-]|$)",
        &["NEW_RELIC_API_KEY=NRAK-G2VYOUIY3NEWV454D9KQMBD0MVY", "newrelic.browser_key = 'NRJS-e0fba02a8f330230d64'"],
        &["NRAK-G2VYOUIY3NEW", "NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX"],
    ),
    prefixed(
        "linear-api-key",
        "linear",
        "Linear API key (`lin_api_`)",
        &["lin_api_"],
        r"\b(lin_api_[A-Za-z0-9]{40})\b",
        &["LINEAR_API_KEY=lin_api_myXEhOOGoN0htKB7MkShjwh6TNwoyKjkDYyXM173"],
        &["lin_api_myXEhOOGoN0htKB7", "lin_api_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "pulumi-access-token",
        "pulumi",
        "Pulumi access token (`pul-`)",
        &["pul-"],
        r"\b(pul-[a-f0-9]{40})\b",
        &["PULUMI_ACCESS_TOKEN=pul-e94cfc602a31782c6a4db7fa025c560edd24d3a8"],
        &["pul-e94cfc602a31782c6a4d", "image: pul-0000000000000000000000000000000000000000"],
    ),
    prefixed(
        "infracost-api-key",
        "infracost",
        "Infracost API key (`ico-`)",
        &["ico-"],
        r"(?:^|[^A-Za-z0-9_./\-])(ico-[A-Za-z0-9]{32})\b",
        &["INFRACOST_API_KEY=ico-LpR0iOmXoQdr3mYJcA1YttGUBVAuVbb7"],
        &["ico-LpR0iOmXoQdr3mYJ", "https://cdn.h/a.ico-LpR0iOmXoQdr3mYJcA1YttGUBVAuVbb7.png"],
    ),
    prefixed(
        "flutterwave-key",
        "flutterwave",
        "Flutterwave secret, public or encryption key (`FLWSECK`, `FLWPUBK`)",
        &["flwseck", "flwpubk"],
        r"\b(FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{32}-X|FLWSECK_TEST[a-hA-H0-9]{12})\b",
        &["FLW_SECRET_KEY=FLWSECK_TEST-3a62cb7dbce3c0f3a17b320e285dc596-X"],
        &["FLWSECK_TEST-3a62cb7dbce3c0f3", "FLWSECK-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-X"],
    ),
    prefixed(
        "frameio-api-token",
        "frameio",
        "Frame.io developer token (`fio-u-`)",
        &["fio-u-"],
        r"\b(fio-u-[A-Za-z0-9_=\-]{64})(?:[^A-Za-z0-9_=\-]|$)",
        &["FRAMEIO_TOKEN=fio-u-IN=pVNyY2N1b_3G0N5QateycZdotUQI0Za45bR4ELVoTalWDNxbslHVDIYPpluOU"],
        &["fio-u-IN=pVNyY2N1b_3G0N5Qatey", "fio-u-<your developer token>"],
    ),
    prefixed(
        "gitlab-other-token",
        "gitlab",
        "GitLab CI build, feature-flag, OAuth application or incoming-mail token, or session cookie",
        &["glcbt-", "glffct-", "gloas-", "glimt-", "_gitlab_session"],
        concat!(
            r"\b(glcbt-[0-9a-f]{1,5}_[A-Za-z0-9_\-]{20}|glffct-[A-Za-z0-9_\-]{20}|gloas-[a-f0-9]{64}|glimt-[A-Za-z0-9_\-]{25})",
            r"(?:[^A-Za-z0-9_\-]|$)|_gitlab_session=([0-9a-z]{32})\b"
        ),
        &[
            "CI_JOB_TOKEN=glcbt-64_fdAxY8Di5Z29LuC-4h_i",
            "secret: gloas-95d95a51644fbb1f8ba582b9b3811cfb91695da3ce7b684800bd0d502d2efb6d",
            "Cookie: _gitlab_session=q912t7l8mgccvt1np5w0v7r6h3fq9297",
            "UNLEASH_INSTANCE_ID=glffct-PIqq626V49me7nuTsfUK",
        ],
        &["glcbt-64_fdAxY8Di", "Cookie: _gitlab_session=abc"],
    ),
    prefixed(
        "grafana-api-key",
        "grafana",
        "Grafana legacy API key (base64 JSON `{\"k\":…`)",
        &["eyjrijoi"],
        r"\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,2})(?:[^A-Za-z0-9=]|$)",
        &["GRAFANA_API_KEY=eyJrIjoi4t8A9VC89XCfwiN2aqanIzC18yZpsLpm787ZCYL6XzuHw0wvnG8QT9mjnUhAWxcHux3RToJr="],
        &["eyJrIjoi4t8A9VC89XCfw", "eyJrIjoiXXXXXXXX"],
    ),
    prefixed(
        "readme-api-token",
        "readme",
        "ReadMe API key (`rdme_`)",
        &["rdme_"],
        r"\b(rdme_[a-z0-9]{70})\b",
        &["README_API_KEY=rdme_uxjlxggzmowabzb9b22ssguhseb16mff9fgpmaf1a8zzts09405kbzzmgao8wj6tgbh3fp"],
        &["README_API_KEY=rdme_uxjlxggzmowabzb9b22s", "rdme_xxxxxxxxxx"],
    ),
    prefixed(
        "prefect-api-key",
        "prefect",
        "Prefect Cloud API key (`pnu_`)",
        &["pnu_"],
        r"\b(pnu_[A-Za-z0-9]{36})\b",
        &["PREFECT_API_KEY=pnu_VpcyPjXRBrmNzPLDiJqu7THGKRKll6LeF6Sq"],
        &["PREFECT_API_KEY=pnu_VpcyPjXRBrmNzPLD", "pnu_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "settlemint-token",
        "settlemint",
        "SettleMint application, personal or service access token (`sm_aat_`, `sm_pat_`, `sm_sat_`)",
        &["sm_aat_", "sm_pat_", "sm_sat_"],
        r"\b(sm_(?:aat|pat|sat)_[A-Za-z0-9]{16})\b",
        &["SETTLEMINT_ACCESS_TOKEN=sm_pat_hztnE4hjou0OXJpa"],
        &["SETTLEMINT_ACCESS_TOKEN=sm_pat_hztnE4", "sm_pat_hztnE4hjou0OXJpaTooLong"],
    ),
    prefixed(
        "square-token",
        "square",
        "Square access token or OAuth secret (`sq0atp-`, `sq0csp-`, `EAAA…`)",
        &["sq0atp-", "sq0csp-", "eaaa"],
        r"\b(sq0atp-[A-Za-z0-9_\-]{22}|sq0csp-[A-Za-z0-9_\-]{43}|EAAA[A-Za-z0-9_\-]{60})(?:[^A-Za-z0-9_\-]|$)",
        &[
            "SQUARE_ACCESS_TOKEN=sq0atp-fhdzJ4YaO3YKGQv7wqFUOY",
            "square_secret: sq0csp-IBeVMCTJluJ_oqMqbdf2x09bDOTa0lIja8nSwu4MqqA",
        ],
        &["sq0atp-fhdzJ4", "sq0csp-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    ),
    prefixed(
        "dropbox-token",
        "dropbox",
        "Dropbox short-lived access token (`sl.`)",
        &["sl."],
        r"\b(sl\.[A-Za-z0-9_=\-]{130,160})(?:[^A-Za-z0-9_=\-]|$)",
        &[
            "DROPBOX_TOKEN=sl.QCWUDwsU1ZqDzOQG=IjIlaJTugltL_G2GZIpPd1tAHo_-riMmB9tA-1FMYdu=ZdI6W8ik18-cfbLdmgjY62gVWSOxAW_nSO79Zc0PrxaKJVALCs5aPqB1Es_mRMwc89yNCByPi0f",
        ],
        &["sl.QCWUDwsU1ZqDzOQG", "import torch.nn.functional as F; x = F.sl.abc"],
    ),
    prefixed(
        "clojars-api-token",
        "clojars",
        "Clojars deploy token (`CLOJARS_`)",
        &["clojars_"],
        r"\b(CLOJARS_[a-z0-9]{60})\b",
        &["CLOJARS_PASSWORD=CLOJARS_jf1jxai0dwjaqp18p4qzwqywvzdua92ibkt8insna5qi0hgc4q4dsln84kzv"],
        &["CLOJARS_jf1jxai0dwjaqp18", "CLOJARS_USERNAME=someone"],
    ),
    prefixed(
        "defined-networking-api-token",
        "defined-networking",
        "Defined Networking (managed Nebula) API key (`dnkey-`)",
        &["dnkey-"],
        r"\b(dnkey-[A-Za-z0-9_=\-]{26}-[A-Za-z0-9_=\-]{52})(?:[^A-Za-z0-9_=\-]|$)",
        &["DN_API_KEY=dnkey-u-RB9ugmTG6QpkG_QoCI_L3L70-CWgR-WSf5uC-sKcGnLXbKY1m8V0QSiIZnBiDfJd67rNq0BGV4peT"],
        &["dnkey-u-RB9ugmTG6QpkG_QoCI", "dnkey-<key>"],
    ),
    prefixed(
        "mailgun-api-key",
        "mailgun",
        "Mailgun private or public validation key (`key-`, `pubkey-` + 32 hex)",
        &["key-"],
        r"\b((?:pub)?key-[a-f0-9]{32})\b",
        &["MAILGUN_API_KEY=key-2d9d1ef04aead2f7b4c1d4fa04c66d51"],
        &["key-2d9d1ef04aead2f7", "primary-key-00000000000000000000000000000000"],
    ),
    prefixed(
        "mailchimp-api-key",
        "mailchimp",
        "Mailchimp API key (32 hex + `-us<N>` data-centre suffix)",
        &["-us"],
        r"\b([a-f0-9]{32}-us[0-9]{1,2})\b",
        &["MAILCHIMP_API_KEY=6380d8bf7714640b3a65dc982b83a8aa-us9"],
        &["6380d8bf7714640b-us9", "lang = 'en-us'"],
    ),
    prefixed(
        "yandex-cloud-key",
        "yandex",
        "Yandex Cloud API key or OAuth token (`AQVN`, `y0_`, `t1.`)",
        &["aqvn", "y0_", "t1."],
        r"\b(AQVN[A-Za-z0-9_\-]{35,38}|y0_[A-Za-z0-9_\-]{55}|t1\.[A-Z0-9a-z_\-]+={0,2}\.[A-Z0-9a-z_\-]{86}={0,2})(?:[^A-Za-z0-9_=\-]|$)",
        &["YC_API_KEY=AQVNpmG8tqPc6tyeLyWuea27_C-GPwgwQLDfido8"],
        &["AQVNpmG8tqPc6ty", "t1.small instance type"],
    ),
    prefixed(
        "microsoft-teams-webhook",
        "microsoft-teams",
        "Microsoft Teams incoming webhook URL",
        &["webhook.office.com"],
        r"(https://[A-Za-z0-9\-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9\-]{36}@[A-Za-z0-9\-]{36}/IncomingWebhook/[A-Za-z0-9]{32}/[A-Za-z0-9\-]{36}(?:/[A-Za-z0-9_\-]{40,60})?)",
        &[
            "TEAMS_WEBHOOK=https://contoso.webhook.office.com/webhookb2/6556777a-d3c5-7c37-e859-b881be7d5ce9@57400bff-f498-4ea8-3b1e-409998f1187c/IncomingWebhook/fb074afd1dc81536abd458aa2a8149a3/53135fa5-c727-c35c-b93e-5076a5b5caa5",
        ],
        &[
            "TEAMS_WEBHOOK=https://contoso.webhook.office.com/webhookb2/<id>",
            "see https://learn.microsoft.com/ for webhook.office.com setup",
        ],
    ),
    prefixed(
        "aws-bedrock-api-key",
        "aws-bedrock",
        "Amazon Bedrock API key (long-term `ABSK…`, short-term `bedrock-api-key-…`)",
        &["absk", "bedrock-api-key-"],
        r"\b(ABSK[A-Za-z0-9+/]{100,300}={0,2}|bedrock-api-key-[A-Za-z0-9+/]{100,2000}={0,2})(?:[^A-Za-z0-9+/=]|$)",
        &[
            "AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleSEi4GaDrX6nrtvNFj96X49qMXJ0aG50RZUMAEtUAUUqwQks4OyCyI9IHDnJ9gQAfetJhuqPaLVB1YE9yrm42qYcmZ8JpnNQj8hnBskxkN6AnRm6ibGK6TGUb2",
        ],
        &["ABSKQmVkcm9ja0FQSUtleS", "ABSKxyz"],
    ),
    prefixed(
        "typeform-api-token",
        "typeform",
        "Typeform personal access token (`tfp_`)",
        &["tfp_"],
        r"\b(tfp_[A-Za-z0-9_.=\-]{59})(?:[^A-Za-z0-9_.=\-]|$)",
        &["TYPEFORM_TOKEN=tfp_Fq2LmX7aPz4Rt9dKc3VbN8wYe5Hs1Gj6Ua0Ti4Ox7Mr2Lk9Pw3Qz8Xy5Cv1"],
        &["TYPEFORM_TOKEN=tfp_Fq2LmX7aPz4Rt9dKc3", "tfp_<token>"],
    ),
    prefixed(
        "cloudflare-origin-ca-key",
        "cloudflare",
        "Cloudflare Origin CA key (`v1.0-`)",
        &["v1.0-"],
        r"\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b",
        &[concat!(
            "CF_ORIGIN_CA_KEY=v1.0-5f0e2c7a9b1d3e4f6a8c0b2d-",
            "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
            "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e"
        )],
        &["CF_ORIGIN_CA_KEY=v1.0-5f0e2c7a9b1d3e4f6a8c0b2d-9e8d", "version: v1.0-rc1"],
    ),
    prefixed(
        "adobe-client-secret",
        "adobe",
        "Adobe Developer Console client secret (`p8e-`)",
        &["p8e-"],
        r"\b(p8e-[A-Za-z0-9_\-]{32})(?:[^A-Za-z0-9_\-]|$)",
        &["ADOBE_CLIENT_SECRET=p8e-Fq2LmX7aPz4Rt9dKc3VbN8wYe5Hs1Gj6"],
        &["p8e-Fq2LmX7aPz", "p8e-<client secret>"],
    ),
    prefixed(
        "twitter-bearer-token",
        "twitter",
        "X / Twitter app-only bearer token (`AAAAAAAAAAAAAAAAAAAAA…`)",
        &["aaaaaaaaaaaaaaaaaaaaa"],
        r"\b(A{21,23}[A-Za-z0-9%]{70,140})\b",
        &[
            "TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAAFq2LmX7aPz4Rt9dKc3VbN8wYe5Hs1Gj6Ua0Ti4Ox7Mr2Lk9Pw3Qz8Xy5Cv1Bn6Dm%3DhT5sW2eR8uJ1iK4oL7pZ0aX3cV6bN9m",
        ],
        &[
            "TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAAFq2LmX7",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ],
    ),
    RuleDef {
        id: "kubernetes-secret-data",
        family: "kubernetes-secret",
        description: "Kubernetes Secret manifest with a value in its base64 `data:` section",
        remediation: "Rotate the credential, then keep Secrets out of git (External Secrets, Sealed Secrets, SOPS) or template them from the CI secret store.",
        severity: H,
        keywords: &["kind: secret", "kind: 'secret'", "kind: \"secret\""],
        regex: concat!(
            // `kind: Secret` first, then `data:` (within a few lines) and its first value.
            r#"(?i:kind:[ \t]*['"]?secret['"]?)[ \t]*\r?\n(?:[^\n]*\n){0,24}?[ \t]*data:[ \t]*\r?\n(?:[ \t]*#[^\n]*\n)*"#,
            r#"[ \t]+[A-Za-z0-9_.\-]+:[ \t]*(?:[|>][\-+]?[ \t]*\r?\n[ \t]+)?['"]?([A-Za-z0-9+/]{12,}={0,2})['"]?[ \t]*(?:\r?\n|$)"#,
            // `data:` first (kubectl output sorts keys), `kind: Secret` after it.
            r#"|[ \t]*data:[ \t]*\r?\n(?:[ \t]*#[^\n]*\n)*[ \t]+[A-Za-z0-9_.\-]+:[ \t]*(?:[|>][\-+]?[ \t]*\r?\n[ \t]+)?['"]?"#,
            r#"([A-Za-z0-9+/]{12,}={0,2})['"]?[ \t]*\r?\n(?:[^\n]*\n){0,24}?[ \t]*(?i:kind:[ \t]*['"]?secret['"]?)[ \t]*(?:\r?\n|$)"#
        ),
        min_entropy: 3.0,
        allowlist: true,
        ml: false,
        positives: &[
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hub\ntype: Opaque\ndata:\n  token: aGZfdThqelBkZTBJZ3hMZDZHbmNmQg==\n",
            "apiVersion: v1\ndata:\n  # base64\n  password: UzNjcjN0LVA0c3N3MHJkLTQy\nkind: Secret\nmetadata:\n  name: db\n",
        ],
        negatives: &[
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  config: aGZfdThqelBkZTBJZ3hMZDZHbmNmQg==\n",
            "apiVersion: v1\nkind: Secret\ndata:\n  token: {{ .Values.token | b64enc }}\n",
            "apiVersion: v1\nkind: Secret\nstringData:\n  token: plain\n",
        ],
    },
    RuleDef {
        id: "service-credential",
        family: "service",
        description: "Credential assigned to a name that mentions a known SaaS provider",
        remediation: ROTATE,
        severity: M,
        keywords: SERVICES,
        regex: concat!(
            r#"(?im)[A-Za-z0-9_.\-$@]*?"#,
            services!(),
            r#"[A-Za-z0-9_.\-]*"#,
            r#"(?:"#,
            sep!(),
            r#"|[ \t]+)[rbf]?(?:["'`]([A-Za-z0-9_.=+/|~\-]{12,200})["'`]|([A-Za-z0-9_.=+/|~\-]{12,200})(?:[\s,;<\\)]|$))"#
        ),
        min_entropy: 2.5,
        allowlist: true,
        ml: false,
        positives: &[
            "HUBSPOT_API_KEY = \"07bc3e18-e29d-ac46-3a43-1bf124101505\"",
            "System.setProperty(\"ALGOLIA_ADMIN_KEY\", \"8afff0a21a07b0e116381f9ac4e3a8a2\")",
            "<cloudflareToken>\n  vVfcavyAdV4iwLq7TjNSWsW2PGIxNhJAMFetMC4p\n</cloudflareToken>",
            "discord_token ?= \"xoEp7bEhavoKKbMdqAuMZgRF\"",
            "facebook 003106728715181|p-RF_7lM99oeFIZzDvb80oXL_2u",
            "okta_token: 004ncNXAlG0UwZAUvnTrtpYJRxMK0xjw5ygRS3bElL",
            "BITBUCKET_CLIENT_ID: \"vVfcavyAdV4iwLq7TjNSWs\"",
            "sumologic.accessId = \"suFq2LmX7aPz4R\"",
            "discordToken = '630944185522013184'",
            "var linearToken = \"8afff0a21a07b0e116381f9ac4e3a8a2\"",
            "var trelloToken string = \"8afff0a21a07b0e116381f9ac4e3a8a2\"",
        ],
        negatives: &[
            "CLOUDFLARE_ZONE_ID = \"8afff0a21a07b0e116381f9ac4e3a8a2\"",
            "sentry_traces_sample_rate = 0.100000000000001",
            "discord_url = \"https://discord.gg/G7tWnz98XR\"",
            "sentry_warmup_ratio: 0.0123456789012345",
            "for schedule in [\"linear\", \"squaredcos_cap_v2\"]:",
            "(dense): Linear(in_features=768, out_features=768, bias=True)",
            "(lm_head): IdeficsDecoupledLinear(\n    in_features=4096, out_features=32000, out_additional_features=2, bias=False",
            "square_root = math.sqrt(value_of_x2)",
            "SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}",
            "sentry_dsn_version = \"release-2024.10.01-rc1\"",
            "datadog_api_key = os.environ[\"DD_API_KEY_20240101\"]",
        ],
    },
    // ---- generic ----
    RuleDef {
        id: "generic-secret-assignment",
        family: "generic",
        description: "Hard-coded secret assigned to a key, token, password or credential name",
        remediation: ROTATE,
        severity: M,
        keywords: &["key", "secret", "token", "passw", "pwd", "credential", "creds", "auth"],
        regex: concat!(
            r#"(?im)[a-z0-9_.\-\[\]"'$@]*(?:api_?key|apikey|secret|token|passw(?:or)?d|pwd|credential|creds|auth(?:_?key|_?token|\b)|access_?key|private_?key)[a-z0-9_.\-]*"#,
            sep!(),
            // Quoted value (any characters but quotes and blanks), or an unquoted one (token characters, ended by a blank,
            // a delimiter or the end of the line).
            r#"(?:[rbf]?["'`]([^\s"'`]{10,200})["'`]|([A-Za-z0-9_.~+/=\-]{10,200})(?:[\s,;<\\)]|$))"#
        ),
        min_entropy: 3.5,
        allowlist: true,
        ml: false,
        positives: &[
            "api_key = \"P0J5wMPLCM7HUFpk9x2Q\"",
            "os.environ[\"MY_SERVICE_TOKEN\"] = \"P0J5wMPLCM7HUFpk9x2Q\"",
            "config[\"api_key\"]: 'P0J5wMPLCM7HUFpk9x2Q'",
            "  db_password: \"Tr0ub4dor-and-3-xQ\"",
            "SERVICE_TOKEN ?= \"P0J5wMPLCM7HUFpk9x2Q\"",
            "System.setProperty(\"SERVICE_API_KEY\", \"P0J5wMPLCM7HUFpk9x2Q\")",
            "<serviceToken>\n    P0J5wMPLCM7HUFpk9x2Q\n</serviceToken>",
            "creds = P0J5wMPLCM7HUFpk9x2Q",
            "var serviceToken string = \"P0J5wMPLCM7HUFpk9x2Q\"",
            "\"user_auth\": \"P0J5wMPLCM7HUFpk9x2Q\"",
            "API_TOKEN = \"8afff0a21a07b0e116381f9ac4e3a8a2\"",
        ],
        negatives: &[
            "tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")",
            "tokenizer_class: \"PreTrainedTokenizerFast\"",
            "text_encoder_class, tokenizer_class = \"T5GemmaEncoder\", \"Gemma3TokenizerFast\"",
            "# tokenizers: \"tokenizers>=0.22.0,<0.23.0\"",
            "api_key = os.environ[\"API_KEY\"]",
            "api_key = \"<your-api-key>\"",
            "token: ${{ secrets.HF_TOKEN }}",
            "password = \"${DB_PASSWORD}\"",
            "secret_hash = \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"",
            "commit_token = \"9fceb02d0ae598e95dc970b74767f19372d61af8\"",
            "run_token = \"123e4567-e89b-12d3-a456-426614174000\"",
            "api_key = \"xxxxxxxxxxxxxxxxxxxxxxxx\"",
            "token_type = \"bearer_token_v2\"",
            "key = \"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"",
            "password = \"changeme-please-1234\"",
            "secret_file = \"/var/run/secrets/kubernetes.io/token\"",
            "pipe.load_textual_inversion(state_dict[\"clip_g\"], token=\"unaestheticXLv31\", text_encoder=te)",
            "api_key = config.service_api_key_v2",
            "x0_tokens = block_state.x0_tokens_2",
            "hub_token: HF_TOKEN_FOR_CI_2",
            "token = tokenizer.encode(text_2)[0]",
            "\"credentialId\": \"P0J5wMPLCM7HUFpk9x2Q\"",
            "author = \"Jane Doe <jane2@example.org>\"",
            "max_tokens: 1024000000000",
            "token_checksum = \"8afff0a21a07b0e116381f9ac4e3a8a2\"",
            "(\"decoder_token\", \"LTX2VideoTokenizer\"),",
            "\"time_token_embedder.linear_1\": \"time_text_embed.timestep_embedder.linear_1\",",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Scanner;

    #[test]
    fn rule_ids_are_unique_and_keywords_lower_case() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate rule ids");
        for r in RULES {
            assert!(!r.keywords.is_empty(), "{}", r.id);
            for k in r.keywords {
                assert_eq!(*k, k.to_ascii_lowercase(), "{}: keyword {k} must be lower case", r.id);
            }
            assert!(!r.positives.is_empty() && !r.negatives.is_empty(), "{} needs examples both ways", r.id);
        }
    }

    #[test]
    fn the_service_list_and_its_regex_agree() {
        let alternation = services!().trim_start_matches("(?i:").trim_end_matches(')');
        let mut from_regex: Vec<&str> = alternation.split('|').collect();
        let mut list = SERVICES.to_vec();
        from_regex.sort_unstable();
        list.sort_unstable();
        assert_eq!(from_regex, list);
        assert!(WEAK_SERVICES.iter().all(|w| SERVICES.contains(w)));
    }

    #[test]
    fn every_rule_matches_its_positives_and_not_its_negatives() {
        let scanner = Scanner::new(RULES).expect("default rules compile");
        let mut failures = Vec::new();
        for r in RULES {
            for p in r.positives {
                let hits = scanner.scan_text("example.py", p.as_bytes());
                if !hits.iter().any(|h| h.rule.id == r.id) {
                    failures.push(format!("{}: missed positive {p:?}", r.id));
                }
            }
            for n in r.negatives {
                let hits = scanner.scan_text("example.py", n.as_bytes());
                if let Some(h) = hits.iter().find(|h| h.rule.id == r.id) {
                    failures.push(format!("{}: flagged negative {n:?} (line {})", r.id, h.line));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
