import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type CallBudget, callAws } from './call.js';
import { type AwsClientOptions, clientConfig } from './config.js';

/**
 * The SSM port: GetParameter within the caller's budget (`callAws`). Webhook URLs and tokens live in
 * SecureString parameters, so values are always asked for decrypted (`WithDecryption`); a plain
 * String parameter comes back as it is.
 */
export interface SsmPort {
  /** GetParameter with decryption: the parameter's value (absent when SSM answers none); ParameterNotFound is thrown. */
  getParameter(name: string, budget: CallBudget): Promise<string | undefined>;
}

/** The SSM port over a client built from the service's client settings. */
export const createSsmPort = (options: AwsClientOptions = {}): SsmPort =>
  ssmPortOver(new SSMClient(clientConfig(options)));

/** The port over a given client (tests hand in one behind aws-sdk-client-mock). */
export const ssmPortOver = (client: SSMClient): SsmPort => ({
  async getParameter(name, budget) {
    const answer = await callAws(
      (abortSignal) => client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal }),
      budget,
    );
    return answer.Parameter?.Value;
  },
});
