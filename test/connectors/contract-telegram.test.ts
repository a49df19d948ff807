import { connectorContract } from "./contract.js";
import { telegramDriver } from "./drivers/telegram.js";

connectorContract(telegramDriver);
