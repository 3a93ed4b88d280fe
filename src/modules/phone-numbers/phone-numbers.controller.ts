import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses, ApiPageResponse } from '../../common/openapi/api-responses.decorator';
import { Page } from '../../common/pagination/page';
import { PhoneNumberHealthDto } from './dto/phone-number-health.dto';
import { PhoneNumberListQueryDto } from './dto/phone-number-list-query.dto';
import { PhoneNumberRegisterDto } from './dto/phone-number-register.dto';
import { PhoneNumberDto } from './dto/phone-number.dto';
import { PhoneNumbersService } from './phone-numbers.service';

const phoneIdPipe = new ResourceIdPipe('Phone number');

@ApiTags('Phone numbers')
@Controller('v1/phone-numbers')
export class PhoneNumbersController {
  constructor(private readonly phoneNumbers: PhoneNumbersService) {}

  @Get()
  @ApiKeyAuth('phone_numbers:read')
  @ApiOperation({ summary: "List the organization's phone numbers in the key's mode, newest first" })
  @ApiPageResponse(PhoneNumberDto)
  @ApiErrorResponses(400)
  async listPhoneNumbers(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Query() query: PhoneNumberListQueryDto,
  ): Promise<Page<PhoneNumberDto>> {
    const page = await this.phoneNumbers.list(principal, { wabaId: query.wabaId }, query.limit, query.cursor);
    return page.map((phone) => PhoneNumberDto.from(phone));
  }

  @Get(':phoneNumberId')
  @ApiKeyAuth('phone_numbers:read')
  @ApiOperation({ summary: 'Get a phone number with its last snapshot from Meta' })
  @ApiParam({ name: 'phoneNumberId', format: 'uuid' })
  @ApiDataResponse(PhoneNumberDto)
  @ApiErrorResponses(404)
  async getPhoneNumber(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('phoneNumberId', phoneIdPipe) phoneNumberId: string,
  ): Promise<PhoneNumberDto> {
    return PhoneNumberDto.from(await this.phoneNumbers.get(principal, phoneNumberId));
  }

  @Get(':phoneNumberId/health')
  @ApiKeyAuth('phone_numbers:read')
  @ApiOperation({
    summary: 'What the number can do now, and why not',
    description:
      'Answers from the stored snapshot at once and queues a refresh from Meta; concurrent calls share one refresh.',
  })
  @ApiParam({ name: 'phoneNumberId', format: 'uuid' })
  @ApiDataResponse(PhoneNumberHealthDto)
  @ApiErrorResponses(404)
  async getPhoneNumberHealth(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('phoneNumberId', phoneIdPipe) phoneNumberId: string,
  ): Promise<PhoneNumberHealthDto> {
    const { phone, health, jobId } = await this.phoneNumbers.health(principal, phoneNumberId);
    return PhoneNumberHealthDto.from(phone, health, jobId);
  }

  @Post(':phoneNumberId/register')
  @ApiKeyAuth('phone_numbers:write')
  @ApiOperation({ summary: 'Register the number for Cloud API messaging with its two-step PIN' })
  @ApiParam({ name: 'phoneNumberId', format: 'uuid' })
  @ApiDataResponse(PhoneNumberDto, { description: 'The phone number, refreshed from Meta' })
  @ApiErrorResponses(400, 404, 502)
  async registerPhoneNumber(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('phoneNumberId', phoneIdPipe) phoneNumberId: string,
    @Body() body: PhoneNumberRegisterDto,
  ): Promise<PhoneNumberDto> {
    return PhoneNumberDto.from(await this.phoneNumbers.register(principal, phoneNumberId, body.pin));
  }
}
