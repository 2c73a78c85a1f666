// The integration hub in one resource group: a Python 3.11 Function App on the Flex Consumption
// plan, its user-assigned managed identity, the storage account (Functions host + staging tables),
// the Service Bus namespace with the hub's queues, Key Vault for the two real secrets, and
// Application Insights on a Log Analytics workspace.
//
// Everything authenticates with the managed identity: the storage account and the Service Bus
// namespace refuse shared keys, so no connection string exists anywhere.
//
// The app-setting names below are the aliases of shared/config.py `Settings`;
// tests/unit/test_settings_agreement.py fails when they drift apart.
//
// Premium (Elastic Premium EP1) instead of Flex Consumption: see infra/README.md, section
// "Premium instead of Flex Consumption", for the resources and settings that change.

targetScope = 'resourceGroup'

// --- where and what ------------------------------------------------------------------

@description('Azure region of every resource. Flex Consumption is not offered in every region: check `az functionapp list-flexconsumption-locations`.')
param location string = resourceGroup().location

@description('Short lowercase prefix (letters and digits, 2-10 characters) of every resource name; a hash of the resource group keeps globally unique names unique.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'hub'

@description('Tags put on every resource.')
param tags object = {}

// --- Function App scale ----------------------------------------------------------------

@description('Most instances the Flex Consumption app may scale out to. Each instance keeps up to BC_MAX_IN_FLIGHT requests open to Business Central, which processes 5 per identity and refuses past 100 open connections, so keep this small (see infra/README.md).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 4

@description('Memory of each Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Replication of the storage account (Functions host state and the staging tables).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days Log Analytics keeps the hub\'s logs and Application Insights telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

// --- Service Bus ------------------------------------------------------------------------

@description('Queues the hub uses; each flow that adds a queue trigger or sender adds its name here.')
param queueNames array = [
  'ecppro-refresh'
  'invoice-sales'
  'invoice-purchase'
  'project-credit-notes'
]

@description('Deliveries before Service Bus dead-letters a message. Also written to HUB_MAX_DELIVERY_COUNT so the hub (and its storage-queue bus) uses the same number.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 10

@description('Time to live of a queued message (ISO 8601); expired messages move to the dead-letter queue.')
param messageTimeToLive string = 'P14D'

// --- Key Vault ----------------------------------------------------------------------------

@description('Turn on Key Vault purge protection. Recommended for production; once on it cannot be turned off and a deleted vault name stays reserved for the retention period.')
param keyVaultPurgeProtection bool = true

@description('Object id of a user or group allowed to write the hub\'s secrets (Key Vault Secrets Officer). Empty: grant it yourself.')
param secretsOfficerPrincipalId string = ''

@description('Principal type of secretsOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param secretsOfficerPrincipalType string = 'User'

// --- Entra app registration used for Business Central and Dataverse (client credentials) --

@description('Entra tenant id (GUID) of the hub\'s app registration (HUB_TENANT_ID). Defaults to the tenant of this deployment.')
param tenantId string = tenant().tenantId

@description('Application (client) id of the hub\'s app registration (HUB_CLIENT_ID); it needs API.ReadWrite.All in Business Central and an application user in Dataverse.')
param clientId string

@description('Client secret of the app registration. When given, it is stored in Key Vault as hub-client-secret; leave empty to keep the stored value (rotate it with az keyvault secret set).')
@secure()
param clientSecret string = ''

@description('Entra authority host (HUB_AUTHORITY_HOST); the default follows the cloud of this deployment.')
param authorityHost string = environment().authentication.loginEndpoint

// --- Business Central -------------------------------------------------------------------------

@description('Business Central API root (BC_API_URL), e.g. https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0')
param bcApiUrl string

@description('Id (GUID) of the Business Central company (BC_COMPANY_ID).')
param bcCompanyId string

@description('OAuth scope requested for Business Central (BC_SCOPE).')
param bcScope string = 'https://api.businesscentral.dynamics.com/.default'

@description('Requests in flight to Business Central per worker (BC_MAX_IN_FLIGHT); BC processes 5 per identity at once.')
@minValue(1)
@maxValue(100)
param bcMaxInFlight int = 5

// --- Dataverse ----------------------------------------------------------------------------------

@description('Dataverse environment URL (DATAVERSE_URL), e.g. https://contoso.crm.dynamics.com')
param dataverseUrl string

@description('Requests in flight to Dataverse per worker (DATAVERSE_MAX_IN_FLIGHT); the service allows 52 per user.')
@minValue(1)
@maxValue(52)
param dataverseMaxInFlight int = 52

// --- CRM ⇄ BC connector (CRM Integration Setup) -------------------------------------------------

@description('Enable CRM Integration: nothing syncs between CRM and Business Central while false. (CRM_INTEGRATION_ENABLED)')
param crmIntegrationEnabled bool = false

@description('CRM Sales Order No. Series: the BC number series for sales orders created from CRM (empty: BC\'s standard series). (CRM_SALES_ORDER_NO_SERIES)')
param crmSalesOrderNoSeries string = ''

@description('CRM Sales Quote No.: the BC number series for sales quotes created from CRM (empty: BC\'s standard series). (CRM_SALES_QUOTE_NO_SERIES)')
param crmSalesQuoteNoSeries string = ''

@description('Keep Sales Order No. same as CRM: a BC order from CRM takes the CRM order\'s number. (CRM_KEEP_ORDER_NO)')
param crmKeepOrderNo bool = false

@description('Keep Sales Quote No. same as CRM: a BC quote from CRM takes the CRM quote\'s number. (CRM_KEEP_QUOTE_NO)')
param crmKeepQuoteNo bool = false

@description('Do Not Allow to Modify the Sales Order: integrated fields of orders from CRM are locked in BC (comment lines may still be added). (CRM_DO_NOT_MODIFY_ORDERS)')
param crmDoNotModifyOrders bool = false

@description('Do Not Allow to Modify the Sales Quote: integrated fields of quotes from CRM are locked in BC (comment lines may still be added). (CRM_DO_NOT_MODIFY_QUOTES)')
param crmDoNotModifyQuotes bool = false

@description('Default Unit Group: GUID of the CRM unit group new products and units go under (empty: the one \'hub crm setup defaults\' found by CRM_DEFAULT_UNIT_GROUP_NAME). (CRM_DEFAULT_UNIT_GROUP_ID)')
param crmDefaultUnitGroupId string = ''

@description('Default Unit: GUID of the base unit of that group, used for new units and for products whose item has no base unit (empty: looked up with the group). (CRM_DEFAULT_UNIT_ID)')
param crmDefaultUnitId string = ''

@description('Default Price List: GUID of the CRM price list new products get an item at 0 in (empty: the one \'hub crm setup defaults\' found by CRM_DEFAULT_PRICE_LIST_NAME). (CRM_DEFAULT_PRICE_LIST_ID)')
param crmDefaultPriceListId string = ''

@description('Name of the CRM unit group \'Get Default UOM GUIDs\' looks up. (CRM_DEFAULT_UNIT_GROUP_NAME)')
param crmDefaultUnitGroupName string = 'Default'

@description('Name of the CRM price list \'Get Default List Price GUIDs\' looks up. (CRM_DEFAULT_PRICE_LIST_NAME)')
param crmDefaultPriceListName string = 'Default'

@description('Auto Synchronize Customer in BC (CRM accounts → BC). (CRM_AUTO_SYNC_CUSTOMERS)')
param crmAutoSyncCustomers bool = false

@description('Auto Synchronize Contact Person in BC (CRM person contacts → BC). (CRM_AUTO_SYNC_CONTACTS_TO_BC)')
param crmAutoSyncContactsToBc bool = false

@description('Auto Synchronize Posted Invoice CRM (BC posted sales invoices → CRM). (CRM_AUTO_SYNC_POSTED_INVOICES)')
param crmAutoSyncPostedInvoices bool = false

@description('Auto Synchronize BC Contact Person in CRM (BC person contacts → CRM). (CRM_AUTO_SYNC_CONTACTS_TO_CRM)')
param crmAutoSyncContactsToCrm bool = false

@description('Auto Synchronize Items to CRM (BC items → CRM products). (CRM_AUTO_SYNC_ITEMS)')
param crmAutoSyncItems bool = false

@description('Auto Synchronize BC UOM to CRM. (CRM_AUTO_SYNC_UOM)')
param crmAutoSyncUom bool = false

@description('Auto Synchronize BC Country/Region to CRM. (CRM_AUTO_SYNC_COUNTRIES)')
param crmAutoSyncCountries bool = false

@description('NCRONTAB (6 fields, seconds first, UTC) of \'BC to CRM Data Sync\' (the masters). (CRM_BC_TO_CRM_SCHEDULE)')
param crmBcToCrmSchedule string = '0 */2 * * * *'

@description('NCRONTAB (6 fields, seconds first, UTC) of staging CRM\'s changes (accounts, contacts, ship-to addresses) and creating in BC the auto-synchronized ones. (CRM_CRM_TO_BC_SCHEDULE)')
param crmCrmToBcSchedule string = '0 */5 * * * *'

@description('NCRONTAB (6 fields, seconds first, UTC) of CRM quotes and orders to BC: stage what changed, write the pending ones, report changes made in BC. (CRM_DOCUMENTS_SCHEDULE)')
param crmDocumentsSchedule string = '*/30 * * * * *'

@description('NCRONTAB (6 fields, seconds first, UTC) of the nightly customer ledger feed: open entries and account balances to CRM, by difference. (CRM_CLE_SCHEDULE)')
param crmCleSchedule string = '0 0 1 * * *'

@description('NCRONTAB (6 fields, seconds first, UTC) of the nightly inventory feed: stock per item and location and product totals to CRM, by difference. (CRM_INVENTORY_SCHEDULE)')
param crmInventorySchedule string = '0 30 1 * * *'

@description('How far before its watermark each sync reads again (clock skew, commit order). (CRM_SYNC_OVERLAP_SECONDS)')
param crmSyncOverlapSeconds int = 60

// --- Project Operations credit notes (Dataverse integration setup) ---------------------------

@description('Allow Partial Credit Notes: off, only complete invoices can be reversed and a partial revision is refused. (PROJECT_ALLOW_PARTIAL_CREDIT_NOTES)')
param projectAllowPartialCreditNotes bool = true

@description('Auto Confirm Credit Note Invoice: a draft revised invoice is confirmed in Project Operations by the hub. (PROJECT_AUTO_CONFIRM_CREDIT_NOTES)')
param projectAutoConfirmCreditNotes bool = false

@description('Activate BC Invoice Integration: confirmed project invoices and revisions go to BC on the timer; off, Process Confirmed Invoices does it on demand. (PROJECT_BC_INVOICE_INTEGRATION)')
param projectBcInvoiceIntegration bool = false

@description('Correct Posted Invoice: \'Cancel invoice\' (the credit memo is posted) or \'Create credit memo\' (left unposted for the user). (PROJECT_CORRECT_POSTED_INVOICE)')
@allowed([
  'Cancel invoice'
  'Create credit memo'
])
param projectCorrectPostedInvoice string = 'Cancel invoice'

@description('G/L account of the BC invoice and credit memo lines made from project invoices. (PROJECT_REVENUE_ACCOUNT)')
param projectRevenueAccount string = ''

@description('BC dimension whose value (by code or name) is the project on every line. (PROJECT_DIMENSION)')
param projectDimension string = 'PROJECT'

@description('Sales Credit Memo Non-changeable fields: v2.0 property names (lines as lines/<name>), comma-separated, that BC refuses to let users change before posting. (PROJECT_NON_CHANGEABLE_FIELDS)')
param projectNonChangeableFields string = ''

@description('NCRONTAB (6 fields, seconds first, UTC) of the Project Operations invoice poll: auto confirm, stage confirmed invoices and revisions, BC outcomes back. (PROJECT_INVOICES_SCHEDULE)')
param projectInvoicesSchedule string = '0 */2 * * * *'

// --- EcpPro -------------------------------------------------------------------------------------

@description('EcpPro REST API root (ECPPRO_BASE_URL), e.g. https://api.ecppro.example/api/v1')
param ecpproBaseUrl string

@description('EcpPro Customer ID (ECPPRO_CUSTOMER_ID).')
param ecpproCustomerId string

@description('EcpPro Secret Key. When given, it is stored in Key Vault as ecppro-secret-key; leave empty to keep the stored value.')
@secure()
param ecpproSecretKey string = ''

@description('Rows asked for per EcpPro page (ECPPRO_PAGE_SIZE).')
@minValue(1)
@maxValue(1000)
param ecpproPageSize int = 500

@description('NCRONTAB schedule (6 fields, seconds first, UTC: Flex Consumption has no WEBSITE_TIME_ZONE) of the timer refreshing all EcpPro lists (ECPPRO_REFRESH_SCHEDULE).')
param ecpproRefreshSchedule string = '0 0 */4 * * *'

@description('NCRONTAB schedule (6 fields, seconds first, UTC) of the timer importing EcpPro invoices into staging (ECPPRO_INVOICE_IMPORT_SCHEDULE).')
param ecpproInvoiceImportSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule (6 fields, seconds first, UTC) of the timer picking up documents posted or deleted in Business Central (ECPPRO_STATUS_SYNC_SCHEDULE).')
param ecpproStatusSyncSchedule string = '0 */30 * * * *'

@description('Post sales documents right after creating them (ECPPRO_POST_SALES_DOCUMENTS).')
param ecpproPostSalesDocuments bool = false

@description('Create purchase documents for staged lines with a unit cost (ECPPRO_CREATE_PURCHASE_INVOICE).')
param ecpproCreatePurchaseInvoice bool = false

@description('Post purchase documents right after adding lines (ECPPRO_POST_PURCHASE_DOCUMENTS).')
param ecpproPostPurchaseDocuments bool = false

@description('Layer the staged cost centre on the customer default dimensions of purchase lines (ECPPRO_APPLY_COST_CENTRE_DIMENSION).')
param ecpproApplyCostCentreDimension bool = false

@description('Business Central dimension code holding EcpPro cost centres (ECPPRO_COST_CENTRE_DIMENSION).')
param ecpproCostCentreDimension string = 'COSTCENTRE'

@description('G/L account for sales lines whose product is not an item (ECPPRO_SALES_ACCOUNT_NUMBER); empty refuses them.')
param ecpproSalesAccountNumber string = ''

@description('G/L account for purchase lines whose product is not an item (ECPPRO_PURCHASE_ACCOUNT_NUMBER); empty refuses them.')
param ecpproPurchaseAccountNumber string = ''

@description('Business Central web client root for document links (BC_WEB_CLIENT_URL), e.g. https://businesscentral.dynamics.com/<tenant>/<environment>.')
param bcWebClientUrl string = 'https://businesscentral.dynamics.com'

@description('Business Central company name, used in document links (BC_COMPANY_NAME).')
param bcCompanyName string = ''

@description('Requests in flight to EcpPro per worker (ECPPRO_MAX_IN_FLIGHT).')
@minValue(1)
@maxValue(50)
param ecpproMaxInFlight int = 4

// --- Hub behaviour ------------------------------------------------------------------------------

@description('Prefix of every staging table name (HUB_TABLE_PREFIX): a letter, then up to 20 letters or digits.')
@minLength(1)
@maxLength(21)
param tablePrefix string = 'hub'

@description('Seconds to wait for a TCP/TLS connection (HTTP_CONNECT_TIMEOUT), as a decimal string.')
param httpConnectTimeout string = '5.0'

@description('Seconds to wait for a response (HTTP_READ_TIMEOUT), as a decimal string.')
param httpReadTimeout string = '60.0'

@description('Attempts per outbound request on 429, 5xx and connection errors (HTTP_MAX_ATTEMPTS).')
@minValue(1)
@maxValue(20)
param httpMaxAttempts int = 6

@description('Longest total wait between retries of one request before it is raised as transient (HTTP_RETRY_BUDGET_SECONDS), as a decimal string.')
param httpRetryBudgetSeconds string = '120.0'

// --- names ------------------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, namePrefix)
var prefix = toLower(namePrefix)
var identityName = '${prefix}-id-${suffix}'
var logAnalyticsName = '${prefix}-log-${suffix}'
var appInsightsName = '${prefix}-appi-${suffix}'
var storageAccountName = take('${prefix}st${suffix}', 24)
var serviceBusName = '${prefix}-sb-${suffix}'
var keyVaultName = take('${prefix}kv${suffix}', 24)
var planName = '${prefix}-plan-${suffix}'
var functionAppName = '${prefix}-func-${suffix}'
// Flex Consumption reads the code package from this blob container.
var deploymentContainerName = 'app-package'

var clientSecretName = 'hub-client-secret'
var ecpproSecretName = 'ecppro-secret-key'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Blob Data Owner: the host's leases, timer locks and the Flex code package.
// Queue Data Contributor: the host's internal queues and the storage-queue bus, if chosen.
// Table Data Contributor: the staging tables.
var storageRoleIds = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

// --- identity -----------------------------------------------------------------------------------

// User-assigned, so its role assignments exist before the app starts: the first start then
// resolves the Key Vault references and reaches storage instead of failing until a restart.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

// --- monitoring ---------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
  }
}

resource appInsightsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- storage ------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    accessTier: 'Hot'
    // Identity only: account keys cannot be used, so no connection string can leak.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoleIds: {
    name: guid(storage.id, identity.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// --- Service Bus --------------------------------------------------------------------------------

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: serviceBusName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // Identity only, as for storage.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: serviceBus
    name: queueName
    properties: {
      // The Functions host renews the lock while the function runs (maxAutoLockRenewalDuration
      // in host.json); one minute is what a crashed instance costs before redelivery.
      lockDuration: 'PT1M'
      maxDeliveryCount: maxDeliveryCount
      defaultMessageTimeToLive: messageTimeToLive
      deadLetteringOnMessageExpiration: true
      // Senders use deterministic MessageIds, so a repeated doorbell inside the window is
      // dropped. Set explicitly: the default differs between ARM and the SDKs, and duplicate
      // detection can only be switched on when the queue is created.
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'PT10M'
      requiresSession: false
      enablePartitioning: false
      maxSizeInMegabytes: 1024
    }
  }
]

// Data Owner rather than Sender + Receiver: target-based scaling reads the queue length, which
// needs the Manage right.
resource serviceBusRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus.id, identity.id, roles.serviceBusDataOwner)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ ; the trigger wants the host.
var serviceBusHost = split(replace(serviceBus.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

// --- Key Vault ----------------------------------------------------------------------------------

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Purge protection can only be switched on; null leaves it off.
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource clientSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(clientSecret)) {
  parent: keyVault
  name: clientSecretName
  properties: {
    value: clientSecret
    contentType: 'Entra client secret of the hub app registration'
  }
}

resource ecpproSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(ecpproSecretKey)) {
  parent: keyVault
  name: ecpproSecretName
  properties: {
    value: ecpproSecretKey
    contentType: 'EcpPro Secret Key'
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  name: guid(keyVault.id, secretsOfficerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: secretsOfficerPrincipalId
    principalType: secretsOfficerPrincipalType
  }
}

// Versionless secret URIs: a rotated secret is picked up without a redeployment.
var clientSecretUri = '${keyVault.properties.vaultUri}secrets/${clientSecretName}'
var ecpproSecretUri = '${keyVault.properties.vaultUri}secrets/${ecpproSecretName}'

// --- Function App -------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity, not a system one.
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // On Flex Consumption the runtime is declared here; FUNCTIONS_WORKER_RUNTIME and
      // FUNCTIONS_EXTENSION_VERSION are managed by the platform and must not be app settings.
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // --- Functions host and SDKs (not read by shared/config.py) ---------------------------
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identity.properties.clientId
        }
        {
          name: 'ServiceBusConnection__credential'
          value: 'managedidentity'
        }
        {
          name: 'ServiceBusConnection__clientId'
          value: identity.properties.clientId
        }
        {
          // DefaultAzureCredential in the hub's own Table Storage and Service Bus clients picks
          // the user-assigned identity through this variable.
          name: 'AZURE_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        }
        // --- the hub's settings: every alias of shared/config.py Settings ---------------------
        {
          // Empty on purpose: the storage account refuses shared keys, so the hub reaches its
          // tables with the managed identity and HUB_STORAGE_ACCOUNT_NAME. A connection string
          // here would only fail. (Locally it is UseDevelopmentStorage=true for Azurite.)
          name: 'HUB_STORAGE_CONNECTION'
          value: ''
        }
        {
          name: 'HUB_STORAGE_ACCOUNT_NAME'
          value: storage.name
        }
        {
          name: 'HUB_TABLE_PREFIX'
          value: tablePrefix
        }
        {
          name: 'HUB_BUS_KIND'
          value: 'servicebus'
        }
        {
          // Empty on purpose, like HUB_STORAGE_CONNECTION: local auth is off on the namespace.
          // The Functions trigger treats an empty value as "no connection string" and reads
          // ServiceBusConnection__fullyQualifiedNamespace with the identity instead.
          name: 'ServiceBusConnection'
          value: ''
        }
        {
          name: 'ServiceBusConnection__fullyQualifiedNamespace'
          value: serviceBusHost
        }
        {
          // The same parameter sets every queue's maxDeliveryCount above.
          name: 'HUB_MAX_DELIVERY_COUNT'
          value: string(maxDeliveryCount)
        }
        {
          // Back-off across deliveries: a failing message is sent again 30 s later, then
          // twice as late each time (at most 30 min apart), for 4 h, before it is dead-lettered.
          name: 'HUB_RETRY_FIRST_DELAY_SECONDS'
          value: '30'
        }
        {
          name: 'HUB_RETRY_MAX_DELAY_SECONDS'
          value: '1800'
        }
        {
          name: 'HUB_RETRY_WINDOW_MINUTES'
          value: '240'
        }
        {
          name: 'HUB_TENANT_ID'
          value: tenantId
        }
        {
          name: 'HUB_CLIENT_ID'
          value: clientId
        }
        {
          name: 'HUB_CLIENT_SECRET'
          value: '@Microsoft.KeyVault(SecretUri=${clientSecretUri})'
        }
        {
          name: 'HUB_AUTHORITY_HOST'
          value: authorityHost
        }
        {
          // Only the local sandbox needs an extra certificate authority.
          name: 'HUB_CA_BUNDLE'
          value: ''
        }
        {
          name: 'BC_API_URL'
          value: bcApiUrl
        }
        {
          name: 'BC_COMPANY_ID'
          value: bcCompanyId
        }
        {
          name: 'BC_SCOPE'
          value: bcScope
        }
        {
          name: 'BC_MAX_IN_FLIGHT'
          value: string(bcMaxInFlight)
        }
        {
          name: 'DATAVERSE_URL'
          value: dataverseUrl
        }
        {
          name: 'DATAVERSE_MAX_IN_FLIGHT'
          value: string(dataverseMaxInFlight)
        }
        {
          name: 'CRM_INTEGRATION_ENABLED'
          value: string(crmIntegrationEnabled)
        }
        {
          name: 'CRM_SALES_ORDER_NO_SERIES'
          value: crmSalesOrderNoSeries
        }
        {
          name: 'CRM_SALES_QUOTE_NO_SERIES'
          value: crmSalesQuoteNoSeries
        }
        {
          name: 'CRM_KEEP_ORDER_NO'
          value: string(crmKeepOrderNo)
        }
        {
          name: 'CRM_KEEP_QUOTE_NO'
          value: string(crmKeepQuoteNo)
        }
        {
          name: 'CRM_DO_NOT_MODIFY_ORDERS'
          value: string(crmDoNotModifyOrders)
        }
        {
          name: 'CRM_DO_NOT_MODIFY_QUOTES'
          value: string(crmDoNotModifyQuotes)
        }
        {
          name: 'CRM_DEFAULT_UNIT_GROUP_ID'
          value: crmDefaultUnitGroupId
        }
        {
          name: 'CRM_DEFAULT_UNIT_ID'
          value: crmDefaultUnitId
        }
        {
          name: 'CRM_DEFAULT_PRICE_LIST_ID'
          value: crmDefaultPriceListId
        }
        {
          name: 'CRM_DEFAULT_UNIT_GROUP_NAME'
          value: crmDefaultUnitGroupName
        }
        {
          name: 'CRM_DEFAULT_PRICE_LIST_NAME'
          value: crmDefaultPriceListName
        }
        {
          name: 'CRM_AUTO_SYNC_CUSTOMERS'
          value: string(crmAutoSyncCustomers)
        }
        {
          name: 'CRM_AUTO_SYNC_CONTACTS_TO_BC'
          value: string(crmAutoSyncContactsToBc)
        }
        {
          name: 'CRM_AUTO_SYNC_POSTED_INVOICES'
          value: string(crmAutoSyncPostedInvoices)
        }
        {
          name: 'CRM_AUTO_SYNC_CONTACTS_TO_CRM'
          value: string(crmAutoSyncContactsToCrm)
        }
        {
          name: 'CRM_AUTO_SYNC_ITEMS'
          value: string(crmAutoSyncItems)
        }
        {
          name: 'CRM_AUTO_SYNC_UOM'
          value: string(crmAutoSyncUom)
        }
        {
          name: 'CRM_AUTO_SYNC_COUNTRIES'
          value: string(crmAutoSyncCountries)
        }
        {
          name: 'CRM_BC_TO_CRM_SCHEDULE'
          value: crmBcToCrmSchedule
        }
        {
          name: 'CRM_CRM_TO_BC_SCHEDULE'
          value: crmCrmToBcSchedule
        }
        {
          name: 'CRM_DOCUMENTS_SCHEDULE'
          value: crmDocumentsSchedule
        }
        {
          name: 'CRM_CLE_SCHEDULE'
          value: crmCleSchedule
        }
        {
          name: 'CRM_INVENTORY_SCHEDULE'
          value: crmInventorySchedule
        }
        {
          name: 'CRM_SYNC_OVERLAP_SECONDS'
          value: string(crmSyncOverlapSeconds)
        }
        {
          name: 'PROJECT_ALLOW_PARTIAL_CREDIT_NOTES'
          value: string(projectAllowPartialCreditNotes)
        }
        {
          name: 'PROJECT_AUTO_CONFIRM_CREDIT_NOTES'
          value: string(projectAutoConfirmCreditNotes)
        }
        {
          name: 'PROJECT_BC_INVOICE_INTEGRATION'
          value: string(projectBcInvoiceIntegration)
        }
        {
          name: 'PROJECT_CORRECT_POSTED_INVOICE'
          value: projectCorrectPostedInvoice
        }
        {
          name: 'PROJECT_REVENUE_ACCOUNT'
          value: projectRevenueAccount
        }
        {
          name: 'PROJECT_DIMENSION'
          value: projectDimension
        }
        {
          name: 'PROJECT_NON_CHANGEABLE_FIELDS'
          value: projectNonChangeableFields
        }
        {
          name: 'PROJECT_INVOICES_SCHEDULE'
          value: projectInvoicesSchedule
        }
        {
          name: 'ECPPRO_BASE_URL'
          value: ecpproBaseUrl
        }
        {
          name: 'ECPPRO_CUSTOMER_ID'
          value: ecpproCustomerId
        }
        {
          name: 'ECPPRO_SECRET_KEY'
          value: '@Microsoft.KeyVault(SecretUri=${ecpproSecretUri})'
        }
        {
          name: 'ECPPRO_PAGE_SIZE'
          value: string(ecpproPageSize)
        }
        {
          name: 'ECPPRO_REFRESH_SCHEDULE'
          value: ecpproRefreshSchedule
        }
        {
          name: 'ECPPRO_MAX_IN_FLIGHT'
          value: string(ecpproMaxInFlight)
        }
        {
          name: 'ECPPRO_INVOICE_IMPORT_SCHEDULE'
          value: ecpproInvoiceImportSchedule
        }
        {
          name: 'ECPPRO_STATUS_SYNC_SCHEDULE'
          value: ecpproStatusSyncSchedule
        }
        {
          name: 'ECPPRO_POST_SALES_DOCUMENTS'
          value: string(ecpproPostSalesDocuments)
        }
        {
          name: 'ECPPRO_CREATE_PURCHASE_INVOICE'
          value: string(ecpproCreatePurchaseInvoice)
        }
        {
          name: 'ECPPRO_POST_PURCHASE_DOCUMENTS'
          value: string(ecpproPostPurchaseDocuments)
        }
        {
          name: 'ECPPRO_APPLY_COST_CENTRE_DIMENSION'
          value: string(ecpproApplyCostCentreDimension)
        }
        {
          name: 'ECPPRO_COST_CENTRE_DIMENSION'
          value: ecpproCostCentreDimension
        }
        {
          name: 'ECPPRO_SALES_ACCOUNT_NUMBER'
          value: ecpproSalesAccountNumber
        }
        {
          name: 'ECPPRO_PURCHASE_ACCOUNT_NUMBER'
          value: ecpproPurchaseAccountNumber
        }
        {
          name: 'BC_WEB_CLIENT_URL'
          value: bcWebClientUrl
        }
        {
          name: 'BC_COMPANY_NAME'
          value: bcCompanyName
        }
        {
          name: 'HTTP_CONNECT_TIMEOUT'
          value: httpConnectTimeout
        }
        {
          name: 'HTTP_READ_TIMEOUT'
          value: httpReadTimeout
        }
        {
          name: 'HTTP_MAX_ATTEMPTS'
          value: string(httpMaxAttempts)
        }
        {
          name: 'HTTP_RETRY_BUDGET_SECONDS'
          value: httpRetryBudgetSeconds
        }
      ]
    }
  }
  // The identity must hold its roles before the host first starts (storage, queues, secrets).
  dependsOn: [
    deploymentContainer
    storageRoleAssignments
    serviceBusRoleAssignment
    keyVaultSecretsUser
    appInsightsPublisher
    queues
  ]
}

// --- outputs ------------------------------------------------------------------------------------

@description('Name of the Function App (for func azure functionapp publish).')
output functionAppName string = functionApp.name

@description('Base URL of the HTTP triggers that Power Automate calls.')
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}/api'

@description('Storage account holding the Functions host state and the staging tables.')
output storageAccountName string = storage.name

@description('Fully qualified Service Bus namespace.')
output serviceBusNamespace string = serviceBusHost

@description('Key Vault holding hub-client-secret and ecppro-secret-key.')
output keyVaultName string = keyVault.name

@description('Client id of the user-assigned identity the app runs as.')
output identityClientId string = identity.properties.clientId
