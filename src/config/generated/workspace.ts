/**
 * Generated from src/config/schema/workspace.json by scripts/gen-config-types.mjs: do not edit.
 * After changing the schema, run `npm run gen:types` (a unit test fails until the two agree).
 * Every key is optional here, as in a file; src/config/types.ts says what loading guarantees.
 */

/**
 * A workspace is the network and security scope clusters run in (virtual provider: one Docker bridge network).
 */
export interface CloudTikWorkspaceConfig {
  /**
   * A template to build on: `name` loads `name.yaml` from the user template folders (CLOUDTIK_USER_TEMPLATES) or the built-in templates.
   */
  from?: string;
  /**
   * A name for the workspace, unique on this provider.
   */
  workspace_name?: string;
  provider?: Provider;
  /**
   * Free-form data kept with the config.
   */
  metadata?: {
    [k: string]: unknown;
  };
}
/**
 * Where the workspace lives. Keys other than `type` depend on the provider.
 */
export interface Provider {
  /**
   * Provider type, for example `virtual`.
   */
  type?: string;
  /**
   * Reach nodes at their internal addresses.
   */
  use_internal_ips?: boolean;
  managed_cloud_storage?: boolean;
  managed_cloud_database?: boolean;
  /**
   * CIDR blocks allowed to reach the nodes by SSH.
   */
  allowed_ssh_sources?: string[];
  /**
   * Where the host-pool service listens, `host` or `host:port` (onpremise; port 8282 when left out). Found from the service running on this machine when left out.
   */
  cloud_simulator_address?: string;
  /**
   * Namespace of the workspace (kubernetes); it is named after the workspace.
   */
  namespace?: string;
  /**
   * Kubeconfig file to use (kubernetes).
   */
  kubeconfig?: string;
  /**
   * Kubernetes workspace object (CloudTik key; the built-in one is used).
   */
  head_service_account?: {
    [k: string]: unknown;
  };
  /**
   * Kubernetes workspace object (CloudTik key; the built-in one is used).
   */
  head_role?: {
    [k: string]: unknown;
  };
  /**
   * Kubernetes workspace object (CloudTik key; the built-in one is used).
   */
  head_role_binding?: {
    [k: string]: unknown;
  };
  /**
   * Kubernetes workspace object (CloudTik key; the built-in one is used).
   */
  worker_service_account?: {
    [k: string]: unknown;
  };
  /**
   * Kubernetes workspace object (CloudTik key; the built-in one is used).
   */
  cloud_provider?: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
