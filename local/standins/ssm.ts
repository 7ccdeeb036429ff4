import { createHash } from 'node:crypto';
import { SCENARIO_ACCOUNT, SCENARIO_REGION } from '../scenario.js';
import { AwsFault, type JsonOperation } from './aws.js';

/**
 * Systems Manager Parameter Store (AWS JSON 1.1, X-Amz-Target prefix `AmazonSSM`) holding
 * SecureString parameters, the way deployed functions read their webhook URLs. Without
 * `WithDecryption` the answer is ciphertext, as from AWS, so a caller that forgets it gets an
 * unusable value instead of a working secret.
 */

export const SSM_TARGET_PREFIX = 'AmazonSSM';

export interface SsmStandInOptions {
  region?: string;
  account?: string;
  /** When every parameter was last written (GetParameter's LastModifiedDate). */
  lastModified?: Date;
}

// Parameter names may be given bare, with a leading slash, as an ARN, or with a `:version` selector.
const parseName = (raw: string, arnPrefix: string): { name: string; selector?: string } => {
  const withoutArn = raw.startsWith(arnPrefix) ? raw.slice(arnPrefix.length) : raw;
  const name =
    raw.startsWith(arnPrefix) && !withoutArn.startsWith('/') && withoutArn.includes('/')
      ? `/${withoutArn}`
      : withoutArn;
  const colon = name.lastIndexOf(':');
  return colon > 0 ? { name: name.slice(0, colon), selector: name.slice(colon) } : { name };
};

const ciphertext = (value: string) =>
  `AQICAHh${createHash('sha256').update(value).digest('base64')}${createHash('sha256').update(`iv:${value}`).digest('base64')}`;

/** Operations keyed by name, to pass as `json: { AmazonSSM: ssmOperations({ '/name': 'value' }) }`. */
export const ssmOperations = (
  parameters: Record<string, string>,
  options: SsmStandInOptions = {},
): Record<string, JsonOperation> => {
  const region = options.region ?? SCENARIO_REGION;
  const account = options.account ?? SCENARIO_ACCOUNT;
  const lastModified = options.lastModified ?? new Date();
  const arnPrefix = `arn:aws:ssm:${region}:${account}:parameter`;

  return {
    GetParameter: (input) => {
      const raw = typeof input.Name === 'string' ? input.Name : '';
      const { name, selector } = parseName(raw, `${arnPrefix}/`);
      const value = parameters[name];
      if (value === undefined) throw new AwsFault('ParameterNotFound', `Parameter ${name} not found.`);
      // Every stored parameter has exactly one version.
      if (selector !== undefined && selector !== ':1') {
        throw new AwsFault(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${selector.slice(1)} of ${name}.`,
        );
      }
      return {
        Parameter: {
          Name: name,
          Type: 'SecureString',
          Value: input.WithDecryption === true ? value : ciphertext(value),
          Version: 1,
          Selector: selector,
          LastModifiedDate: lastModified.getTime() / 1000,
          ARN: `${arnPrefix}${name.startsWith('/') ? '' : '/'}${name}`,
          DataType: 'text',
        },
      };
    },
  };
};
