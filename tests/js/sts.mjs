// The AWS SDK for JavaScript v3 against `mockfed serve`: one case per run, its outcome printed as one JSON line.
// tests/test_other_languages.py starts the server from a world file and runs each case; the SDK reads the
// server's address and every credential from the environment, as an application would.
//
//   MOCKFED_URL                        the server (http://127.0.0.1:PORT)
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the long-term keys the world file fixed
//   ROLE_ARN, EXTERNAL_ID, SESSION_NAME        AssumeRole (fromTemporaryCredentials)
//   AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN  web identity (fromTokenFile)
//   SERIAL_NUMBER, TOKEN_CODE                  GetSessionToken with MFA
//   ADVANCE_SECONDS                            "refresh": how far to move the server's clock between two calls
import {
  STSClient,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
} from "@aws-sdk/client-sts";
import { fromTemporaryCredentials, fromTokenFile } from "@aws-sdk/credential-providers";

const env = process.env;
const endpoint = env.MOCKFED_URL;
const clientConfig = { endpoint, region: "us-east-1", maxAttempts: 1 };

function client(credentials) {
  return new STSClient(credentials ? { ...clientConfig, credentials } : clientConfig);
}

async function identity(credentials) {
  const out = await client(credentials).send(new GetCallerIdentityCommand({}));
  return { arn: out.Arn, account: out.Account, userId: out.UserId };
}

function temporary(durationSeconds) {
  return fromTemporaryCredentials({
    params: {
      RoleArn: env.ROLE_ARN,
      RoleSessionName: env.SESSION_NAME || "js-sdk",
      ExternalId: env.EXTERNAL_ID,
      ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
    },
    clientConfig,
  });
}

const cases = {
  async "get-federation-token"() {
    const out = await client().send(new GetFederationTokenCommand({ Name: env.FEDERATED_NAME, DurationSeconds: 900 }));
    return { arn: out.FederatedUser.Arn, accessKeyId: out.Credentials.AccessKeyId, packed: out.PackedPolicySize };
  },
  async "assume-role"() {
    const credentials = temporary();
    const seen = await identity(credentials);
    return { ...seen, accessKeyId: (await credentials()).accessKeyId };
  },
  async "web-identity"() {
    const credentials = fromTokenFile({ roleSessionName: env.SESSION_NAME || "js-web-identity", clientConfig });
    return identity(credentials);
  },
  async "session-token-mfa"() {
    const out = await client().send(
      new GetSessionTokenCommand({ SerialNumber: env.SERIAL_NUMBER, TokenCode: env.TOKEN_CODE, DurationSeconds: 900 }),
    );
    const creds = out.Credentials;
    const seen = await identity({
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      sessionToken: creds.SessionToken,
    });
    return { ...seen, accessKeyId: creds.AccessKeyId };
  },
  async refresh() {
    // fromTemporaryCredentials refreshes when its credentials are (nearly) expired by the SDK's clock, which
    // another process cannot move: this case shows what a client sees when only the server's clock moves.
    const credentials = temporary(900);
    const before = await identity(credentials);
    const moved = await fetch(`${endpoint}/_mockfed/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ seconds: Number(env.ADVANCE_SECONDS) }),
    });
    if (!moved.ok) throw new Error(`clock/advance answered ${moved.status}`);
    let after;
    try {
      after = { ok: true, ...(await identity(credentials)) };
    } catch (error) {
      after = { ok: false, name: error.name, message: error.message };
    }
    return { before, after };
  },
};

const name = process.argv[2];
try {
  if (!(name in cases)) throw new Error(`no case ${name}: one of ${Object.keys(cases).join(", ")}`);
  console.log(JSON.stringify({ ok: true, ...(await cases[name]()) }));
} catch (error) {
  const status = error.$metadata ? error.$metadata.httpStatusCode : undefined;
  console.log(JSON.stringify({ ok: false, name: error.name, message: error.message, status }));
}
