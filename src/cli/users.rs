//! `needmap users add|list|remove|token`: the accounts of the map server.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use needmap::auth::{accounts_file, AccountStore, AccountsLocation, NewAccount, Role};
use needmap::register::{Partner, Register};
use needmap::report::{Cell, Format, Report};

use super::DataArgs;

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Add an account; the password comes from --password-file, else the first line of standard input.
    #[command(after_help = "Examples:\n  needmap users add alice --role admin --password-file alice.txt\n  printf '%s\\n' \"$PASSWORD\" | needmap users add bob --role partner --org health-trust\n  needmap users add carol --role partner --org carers-trust --new-org \"Carers' Trust\" --password-file pw.txt\n  needmap users add dave --role reviewer --accounts /var/lib/needmap/accounts.sqlite < pw.txt\n\nRoles: viewer (the public map), partner (one organisation's services: --org, a partner of the\nregister when one is configured; --new-org adds it there), reviewer (every organisation; publishes),\nadmin (everything, and the accounts). Passwords: at least 10 characters, hashed with Argon2id.\nThe file is made when missing (mode 0600); a read-only data folder needs --accounts FILE.")]
    Add(AddArgs),
    /// List the accounts (name, role, organisation, created).
    #[command(after_help = "Examples:\n  needmap users list\n  needmap users list --format json")]
    List(ListArgs),
    /// Remove an account, its sessions and its API tokens.
    #[command(after_help = "Examples:\n  needmap users remove bob")]
    Remove(RemoveArgs),
    /// Make an API token for scripts (`Authorization: Bearer <token>`), printed once; --revoke removes them all.
    #[command(after_help = "Examples:\n  needmap users token alice --label nightly-import > token.txt\n  curl -H \"Authorization: Bearer $(cat token.txt)\" http://127.0.0.1:8080/api/me\n  needmap users token alice --revoke\n\nOnly a SHA-256 digest of the token is kept; a lost token cannot be shown again: make a new one.")]
    Token(TokenArgs),
}

/// The accounts file: --accounts, else the manifest's [accounts] file, else <data dir>/accounts.sqlite.
#[derive(Args, Clone)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The accounts file (default: the manifest's [accounts] file, else <data dir>/accounts.sqlite).
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
}

impl AccountsArgs {
    fn locate(&self) -> anyhow::Result<(needmap::dataset::DatasetLocation, AccountsLocation)> {
        let loc = needmap::dataset::locate(self.data.data.as_deref())?;
        let file = accounts_file(self.accounts.as_deref(), &loc.data_dir, &loc.manifest);
        Ok((loc, file))
    }

    fn open(&self) -> anyhow::Result<AccountStore> {
        let (_, file) = self.locate()?;
        Ok(AccountStore::open(&file.path)?)
    }
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub file: AccountsArgs,
    /// The account name (letters, digits, . _ - @).
    pub name: String,
    /// viewer, partner, reviewer or admin.
    #[arg(long)]
    pub role: String,
    /// A partner's organisation (a partner id of the register, when one is configured).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Add --org to the register's partners under this full name first (when it is not there).
    #[arg(long, value_name = "NAME", requires = "org")]
    pub new_org: Option<String>,
    /// The register whose partners --org must be one of (default: the manifest's [register] file).
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
    /// A file whose first line is the password (default: the first line of standard input).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub file: AccountsArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub file: AccountsArgs,
    pub name: String,
}

#[derive(Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub file: AccountsArgs,
    pub name: String,
    /// A note kept with the token (what it is for).
    #[arg(long)]
    pub label: Option<String>,
    /// Remove every API token of the account instead.
    #[arg(long, conflicts_with = "label")]
    pub revoke: bool,
}

pub fn run(command: &UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add(a) => add(a),
        UsersCommand::List(a) => list(a),
        UsersCommand::Remove(a) => remove(a),
        UsersCommand::Token(a) => token(a),
    }
}

/// The first line of `text`, without its line ending.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn password(args: &AddArgs) -> anyhow::Result<String> {
    let text = match &args.password_file {
        Some(f) => std::fs::read_to_string(f).with_context(|| format!("--password-file {}: cannot read the password", f.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin().lock().take(64 * 1024).read_to_string(&mut s).context("cannot read the password from standard input")?;
            s
        }
    };
    let p = first_line(&text).to_string();
    if p.is_empty() {
        anyhow::bail!("no password: give --password-file FILE, or the password as the first line of standard input");
    }
    Ok(p)
}

fn register_file(loc: &needmap::dataset::DatasetLocation, given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(|| loc.manifest.register.as_ref().map(|r| loc.data_dir.join(&r.file)))
}

fn add(args: &AddArgs) -> anyhow::Result<ExitCode> {
    let role = Role::parse(&args.role)?;
    needmap::auth::account::check_name(&args.name)?;
    needmap::auth::account::check_org(role, args.org.as_deref())?;
    let (loc, file) = args.file.locate()?;
    let register = register_file(&loc, args.register.as_deref());
    if let (Some(org), true) = (args.org.as_deref(), role.needs_org()) {
        if let (Some(full), Some(path)) = (&args.new_org, &register) {
            let mut r = Register::open(path)?;
            if !r.partners()?.iter().any(|p| p.id == org) {
                r.add_partner(&Partner { id: org.to_string(), name: full.clone(), contact: None }, "needmap users add")?;
                eprintln!("added partner `{org}` ({full}) to {}", path.display());
            }
        } else if args.new_org.is_some() {
            eprintln!("no register is configured: --new-org is not needed (any organisation id will do)");
        }
        needmap::auth::organisation::check_partner_org(register.as_deref(), org)?;
    }
    let password = password(args)?;
    let store = AccountStore::open_or_create(&file.path)?;
    let a = store.add(&NewAccount { name: &args.name, role, org: args.org.as_deref(), password: &password })?;
    match &a.org {
        Some(o) => println!("added {} ({}, {o}) to {}", a.name, a.role, file.path.display()),
        None => println!("added {} ({}) to {}", a.name, a.role, file.path.display()),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let store = args.file.open()?;
    let mut report = Report { columns: ["name", "role", "org", "created"].map(String::from).to_vec(), rows: Vec::new() };
    for a in store.list()? {
        report.rows.push(vec![Cell::Text(Some(a.name)), Cell::Text(Some(a.role.to_string())), Cell::Text(a.org), Cell::Text(Some(a.created))]);
    }
    report.write(args.format, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

fn remove(args: &RemoveArgs) -> anyhow::Result<ExitCode> {
    let store = args.file.open()?;
    if !store.remove(&args.name)? {
        anyhow::bail!("{}", needmap::auth::AuthError::UnknownAccount { name: args.name.clone() });
    }
    println!("removed {} (its sessions and API tokens too)", args.name);
    Ok(ExitCode::SUCCESS)
}

fn token(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    let store = args.file.open()?;
    if args.revoke {
        if store.account(&args.name)?.is_none() {
            anyhow::bail!("{}", needmap::auth::AuthError::UnknownAccount { name: args.name.clone() });
        }
        let n = store.revoke_tokens(&args.name)?;
        println!("revoked {n} API token(s) of {}", args.name);
        return Ok(ExitCode::SUCCESS);
    }
    let t = store.new_token(&args.name, args.label.as_deref())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{t}")?;
    eprintln!("the API token of {} is above; it is shown once (send it as `Authorization: Bearer <token>`)", args.name);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_is_the_first_line() {
        assert_eq!(super::first_line("s3cret pass word\r\nrest"), "s3cret pass word");
        assert_eq!(super::first_line(""), "");
    }
}
